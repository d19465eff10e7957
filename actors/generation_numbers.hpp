// The generation number each sync builds. The files of a run whose actor
// died are removed in the background, while the organization goes on
// working; a later run must never build into the directory being removed.
#pragma once

#include "persistence/environment_layout.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

namespace downhill {

class generation_numbers {
public:
  /// The generation a new run of environment `key`, now at `current`,
  /// builds. Shared by every org actor of the server (it outlives them).
  ///
  /// A generation number is handed out at most once per environment, and
  /// never one whose directory exists on disk. So a run always builds into
  /// a directory nobody else has written, and removing the files of a run
  /// that died (by number, at any later time) can never touch the files
  /// of another run. Numbers may skip; only the committed one counts.
  int64_t next(const persistence::environment_layout& layout, int64_t key,
               int64_t current) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto& highest = highest_[key];
    auto n = std::max(current, highest) + 1;
    for (;; ++n) {
      std::error_code error;
      bool taken = std::filesystem::exists(layout.generation_dir(key, n),
                                           error);
      if (!taken && !error) // a directory that cannot be checked is skipped
        break;
    }
    highest = n;
    return n;
  }

private:
  std::mutex mutex_;
  std::map<int64_t, int64_t> highest_;  // by environment key
};

} // namespace downhill
