// Where environments live on disk, and the guard that makes switching an
// environment's data atomic for the content API.
//
//   DATA/environments/<key>/g<generation>/{content.db,index.db}
//
// `key` is the environment's internal number, never its user-given alias.
// The control plane records each environment's current generation; a job
// builds the next generation beside the current one and switches by
// committing the new number. Any other generation directory is garbage
// (a run that failed, was cancelled, or died) and is removed at start-up.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace downhill::persistence {

class environment_layout {
public:
  explicit environment_layout(std::filesystem::path data_dir);

  std::filesystem::path environment_dir(int64_t key) const;
  std::filesystem::path generation_dir(int64_t key, int64_t generation) const;
  const std::filesystem::path& root() const { return root_; }

  /// Removes every generation directory of `key` except `current`, and
  /// returns how many were removed.
  int remove_other_generations(int64_t key, int64_t current) const;
  /// Removes all data of an environment.
  void remove_environment(int64_t key) const;

private:
  std::filesystem::path root_;
};

/// Readers and writers of an environment's data hold the guard shared for
/// the length of one request; the switch to a new generation holds it
/// exclusively. The org actor's lock (423 for new requests) keeps requests
/// away during a run; this guard covers the requests admitted just before.
struct environment_guard {
  std::shared_mutex mutex;
  /// The current generation, published by the org actor at each switch
  /// (while the switch holds the lock exclusively for it). Atomic for the
  /// one case where it cannot: a switch that gave up waiting.
  std::atomic<int64_t> generation{0};
};

class environment_guards {
public:
  /// The guard of `key`, created at `generation` on first use.
  std::shared_ptr<environment_guard> get(int64_t key, int64_t generation = 1);
  void forget(int64_t key);

private:
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<environment_guard>> guards_;
};

} // namespace downhill::persistence
