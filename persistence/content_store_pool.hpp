// Open content stores kept for reuse. Opening an environment's two files
// costs more than most requests (schema reads; and the last close of a WAL
// database checkpoints and syncs it), so idle stores wait here, keyed by
// environment and generation. The pool is bounded in all, not only per
// environment: each idle store holds six file descriptors (two databases,
// their WAL and shared-memory files), and idle tenants must not use up the
// server's descriptors. The environment used least recently gives way.
#pragma once

#include "persistence/content_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace downhill::persistence {

class content_store_pool {
public:
  class lease {
  public:
    lease(content_store_pool& pool, int64_t key, int64_t generation,
          std::unique_ptr<content_store> store)
      : pool_(pool), key_(key), generation_(generation),
        store_(std::move(store)) {}
    lease(const lease&) = delete;
    ~lease() { pool_.give_back(key_, generation_, std::move(store_)); }
    content_store& operator*() { return *store_; }
    content_store* operator->() { return store_.get(); }

  private:
    content_store_pool& pool_;
    int64_t key_;
    int64_t generation_;
    std::unique_ptr<content_store> store_;
  };

  /// An open store of `dir`, the files of `key` at `generation`. The caller
  /// holds the environment's guard (shared) while it uses the lease.
  lease open(int64_t key, int64_t generation,
             const std::filesystem::path& dir);

  /// Closes the idle stores of `key` (its generation changed or it was
  /// deleted). Called with the environment's guard held exclusively, so no
  /// lease of it is out.
  void forget(int64_t key);

private:
  void give_back(int64_t key, int64_t generation,
                 std::unique_ptr<content_store> store);

  static constexpr size_t max_idle_per_environment = 4;
  static constexpr size_t max_idle_in_all = 64;

  struct idle_stores {
    std::vector<std::unique_ptr<content_store>> stores;
    uint64_t last_returned = 0;  // a tick of `clock_`
  };

  /// The idle stores of the environment returned to least recently.
  std::map<std::pair<int64_t, int64_t>, idle_stores>::iterator
  least_recent();

  std::mutex mutex_;
  std::map<std::pair<int64_t, int64_t>, idle_stores> idle_;
  size_t idle_count_ = 0;
  uint64_t clock_ = 0;
};

} // namespace downhill::persistence
