// The run actor of every active run, by run id. An organization's actor
// keeps its active run in its own state; this copy outlives it, so that if
// the organization's actor stops unexpectedly its successor can find the
// run it left behind and end it (interrupted) instead of losing track of a
// copy that is still writing.
#pragma once

#include "actors/interfaces.hpp"

#include <filesystem>
#include <map>
#include <mutex>

namespace downhill {

/// One active run: its actor, and the directory it builds (a sync's new
/// generation, or a new environment's whole directory). The directory is
/// kept here so that whoever ends a run whose actor died (its org actor, or
/// that actor's successor) knows exactly which files to remove.
struct registered_run {
  run_actor handle;
  std::filesystem::path files;
};

class run_registry {
public:
  void add(int64_t run_id, run_actor run, std::filesystem::path files) {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_[run_id] = registered_run{std::move(run), std::move(files)};
  }

  void remove(int64_t run_id) {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_.erase(run_id);
  }

  /// The run's actor, or an invalid handle.
  run_actor find(int64_t run_id) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = runs_.find(run_id);
    return i == runs_.end() ? run_actor{} : i->second.handle;
  }

  /// The directory the run builds, or an empty path if it is not known.
  std::filesystem::path files(int64_t run_id) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = runs_.find(run_id);
    return i == runs_.end() ? std::filesystem::path{} : i->second.files;
  }

  /// Drops every handle (the server is stopping).
  void clear() {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_.clear();
  }

private:
  std::mutex mutex_;
  std::map<int64_t, registered_run> runs_;
};

} // namespace downhill
