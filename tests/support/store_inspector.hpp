// Reads a stopped or running server's files directly (read-only), the way
// an operator would: which generation an environment is on, checksums of
// its tables, and what else lies in the data directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace downhill::testing {

class store_inspector {
public:
  explicit store_inspector(std::filesystem::path data_dir)
    : var_(std::move(data_dir) / "var") {}

  /// The current generation directory of an environment; empty if the
  /// control plane has no such environment.
  std::filesystem::path environment_dir(const std::string& org,
                                        const std::string& env) const;
  /// The status column of an environment (ready / creating), or "".
  std::string environment_status(const std::string& org,
                                 const std::string& env) const;
  /// A checksum per table of the environment's content database, and of its
  /// search index (as "index").
  std::map<std::string, std::string> checksums(const std::string& org,
                                               const std::string& env) const;
  /// Ids in the environment's content `entries` and in its search index.
  std::vector<std::string> entry_ids(const std::string& org,
                                     const std::string& env) const;
  std::vector<std::string> indexed_ids(const std::string& org,
                                       const std::string& env) const;
  /// Every file or directory under environments/ that is not the current
  /// generation of a known environment (what a crash may leave behind).
  std::vector<std::string> leftovers() const;
  /// Runs a statement on any SQLite file (to damage one on purpose).
  void execute(const std::filesystem::path& file,
               const std::string& sql) const;
  /// The first column of the first row of `sql` on the control plane.
  int64_t count(const std::string& sql) const;

private:
  std::filesystem::path var_;
};

} // namespace downhill::testing
