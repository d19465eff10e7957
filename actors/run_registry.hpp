// The run actor of every active run, by run id. An organization's actor
// keeps its active run in its own state; this copy outlives it, so that if
// the organization's actor stops unexpectedly its successor can find the
// run it left behind and end it (interrupted) instead of losing track of a
// copy that is still writing.
#pragma once

#include "actors/interfaces.hpp"

#include <map>
#include <mutex>

namespace downhill {

class run_registry {
public:
  void add(int64_t run_id, run_actor run) {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_[run_id] = std::move(run);
  }

  void remove(int64_t run_id) {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_.erase(run_id);
  }

  /// The run's actor, or an invalid handle.
  run_actor find(int64_t run_id) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = runs_.find(run_id);
    return i == runs_.end() ? run_actor{} : i->second;
  }

  /// Drops every handle (the server is stopping).
  void clear() {
    std::lock_guard<std::mutex> lock{mutex_};
    runs_.clear();
  }

private:
  std::mutex mutex_;
  std::map<int64_t, run_actor> runs_;
};

} // namespace downhill
