// Open content stores, bounded across the whole server. Opening an
// environment's two files costs more than most requests (schema reads; and
// the last close of a WAL database checkpoints and syncs it), so a store
// given back stays open for reuse, keyed by environment and generation. But
// every open store holds file descriptors (files_per_store), and idle
// tenants must not use up the server's: the stores open at once, lent or
// idle, are at most max_files / files_per_store. Past that, opening one
// closes the idle store returned least recently; a store that is lent is
// never closed under its user (when all are lent, the next open waits for
// one to come back: at most one per request in flight, so not for long).
#pragma once

#include "persistence/content_store.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace downhill::persistence {

class content_store_pool {
public:
  /// Descriptors one open store holds: two databases (content and search
  /// index), each with its `-wal` and `-shm` file (counted in
  /// /proc/PID/fd of a server holding one idle store); plus, for a moment
  /// while a `-wal` file is made or removed, its directory, which SQLite
  /// opens to sync it. Counting that seventh keeps the bound strict.
  static constexpr size_t files_per_store = 7;
  static constexpr size_t default_max_files = 1024;

  explicit content_store_pool(size_t max_files = default_max_files);

  /// Sets the bound (before any store is opened): at most
  /// max(1, max_files / files_per_store) stores open at once.
  void limit_files(size_t max_files);
  size_t max_open() const;
  /// Stores open now, lent or idle.
  size_t open_now() const;

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
  /// holds the environment's guard (shared) while it uses the lease. Waits
  /// while every store the bound allows is lent; throws storage_error if
  /// none comes back within a minute.
  lease open(int64_t key, int64_t generation,
             const std::filesystem::path& dir);

  /// As open, but never waits: null when every store the bound allows is
  /// lent. For a run's copies (environment_copy.hpp), which hold a thread
  /// of a bounded pool and must not wait for a store that another run
  /// keeps until it gets a thread.
  std::unique_ptr<lease> try_open(int64_t key, int64_t generation,
                                  const std::filesystem::path& dir);

  /// Closes the idle stores of `key` (its generation changed or it was
  /// deleted). Called with the environment's guard held exclusively, so no
  /// lease of it is out.
  void forget(int64_t key);

private:
  using stores = std::vector<std::unique_ptr<content_store>>;

  void give_back(int64_t key, int64_t generation,
                 std::unique_ptr<content_store> store);

  /// A store of one environment is lent to several requests at once only
  /// under load; more idle ones than this would only hold descriptors.
  static constexpr size_t max_idle_per_environment = 4;

  struct idle_stores {
    stores open;
    uint64_t last_returned = 0;  // a tick of `clock_`
  };
  using idle_map = std::map<std::pair<int64_t, int64_t>, idle_stores>;

  /// The idle stores of the environment returned to least recently.
  idle_map::iterator least_recent();
  /// Moves the least recently returned idle store into `closing`; it
  /// still counts as open (its slot passes to the caller).
  void take_least_recent(stores& closing);
  /// Closes `closing` (without the lock held), then frees their slots.
  void close_and_release(stores& closing);

  /// What one attempt at a store got: an idle store of the environment, a
  /// counted slot whose files the caller opens, or nothing free.
  struct slot {
    enum kind_type { none, reused, to_open } kind = none;
    std::unique_ptr<content_store> store;  // when reused
  };
  /// One attempt, with the lock held; may move the least recently used idle
  /// store into `closing` to free its slot.
  slot take_slot(int64_t key, int64_t generation, stores& closing);
  /// The store of a slot taken: the reused one, or (with the lock not
  /// held) `closing` closed and then the files opened; a failed open gives
  /// the slot back.
  std::unique_ptr<content_store> open_in_slot(slot& taken,
                                              const std::filesystem::path& dir,
                                              stores& closing);

  mutable std::mutex mutex_;
  std::condition_variable returned_;
  idle_map idle_;
  size_t idle_count_ = 0;
  size_t open_ = 0;  // lent + idle
  size_t max_open_;
  uint64_t clock_ = 0;
};

} // namespace downhill::persistence
