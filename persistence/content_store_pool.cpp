#include "persistence/content_store_pool.hpp"

#include <algorithm>
#include <chrono>

namespace downhill::persistence {

namespace {

/// Far beyond one request's use of a store; a wait this long means the
/// server is stuck, and the request fails instead of hanging.
constexpr auto max_wait = std::chrono::seconds(60);

size_t stores_for(size_t max_files) {
  return std::max<size_t>(1, max_files / content_store_pool::files_per_store);
}

} // namespace

content_store_pool::content_store_pool(size_t max_files)
  : max_open_(stores_for(max_files)) {
}

void content_store_pool::limit_files(size_t max_files) {
  std::lock_guard<std::mutex> lock{mutex_};
  max_open_ = stores_for(max_files);
}

size_t content_store_pool::max_open() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return max_open_;
}

size_t content_store_pool::open_now() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return open_;
}

content_store_pool::slot content_store_pool::take_slot(int64_t key,
                                                       int64_t generation,
                                                       stores& closing) {
  auto i = idle_.find({key, generation});
  if (i != idle_.end()) {
    auto store = std::move(i->second.open.back());
    i->second.open.pop_back();
    --idle_count_;
    if (i->second.open.empty())
      idle_.erase(i);
    return {slot::reused, std::move(store)};
  }
  if (open_ < max_open_) {
    ++open_;  // counted before the files open, so the bound holds
    return {slot::to_open, nullptr};
  }
  if (idle_count_ > 0) {
    take_least_recent(closing);  // its slot becomes this open's
    return {slot::to_open, nullptr};
  }
  return {slot::none, nullptr};
}

std::unique_ptr<content_store>
content_store_pool::open_in_slot(slot& taken, const std::filesystem::path& dir,
                                 stores& closing) {
  if (taken.kind == slot::reused)
    return std::move(taken.store);
  // Closed outside the lock (a close may checkpoint and sync) and before
  // this store opens: its descriptors are gone before the new ones exist.
  closing.clear();
  try {
    return std::make_unique<content_store>(dir);
  } catch (...) {
    std::lock_guard<std::mutex> lock{mutex_};
    --open_;
    returned_.notify_one();
    throw;
  }
}

content_store_pool::lease
content_store_pool::open(int64_t key, int64_t generation,
                         const std::filesystem::path& dir) {
  stores closing;  // the idle store whose slot this open takes over
  slot taken;
  {
    std::unique_lock<std::mutex> lock{mutex_};
    auto deadline = std::chrono::steady_clock::now() + max_wait;
    while ((taken = take_slot(key, generation, closing)).kind == slot::none)
      if (returned_.wait_until(lock, deadline) == std::cv_status::timeout
          && open_ >= max_open_ && idle_count_ == 0)
        throw storage_error(5 /* SQLITE_BUSY */,
                            "every open content store stayed lent for "
                            "a minute: the server is overloaded");
  }
  return lease{*this, key, generation, open_in_slot(taken, dir, closing)};
}

std::unique_ptr<content_store_pool::lease>
content_store_pool::try_open(int64_t key, int64_t generation,
                             const std::filesystem::path& dir) {
  stores closing;  // the idle store whose slot this open takes over
  slot taken;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    taken = take_slot(key, generation, closing);
  }
  if (taken.kind == slot::none)
    return nullptr;
  return std::make_unique<lease>(*this, key, generation,
                                 open_in_slot(taken, dir, closing));
}

void content_store_pool::give_back(int64_t key, int64_t generation,
                                   std::unique_ptr<content_store> store) {
  if (!store)
    return;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto& idle = idle_[{key, generation}];
    idle.last_returned = ++clock_;
    if (idle.open.size() < max_idle_per_environment) {
      idle.open.push_back(std::move(store));
      ++idle_count_;
      // A waiter can now reuse this store, or close it to open its own.
      returned_.notify_one();
      return;
    }
  }
  stores closing;
  closing.push_back(std::move(store));
  close_and_release(closing);
}

void content_store_pool::close_and_release(stores& closing) {
  auto count = closing.size();
  if (count == 0)
    return;
  closing.clear();  // the files close here, outside the lock
  // Only now are their slots free: the bound counts descriptors, and those
  // were open until the line above.
  std::lock_guard<std::mutex> lock{mutex_};
  open_ -= count;
  returned_.notify_all();
}

content_store_pool::idle_map::iterator content_store_pool::least_recent() {
  auto oldest = idle_.begin();
  for (auto i = idle_.begin(); i != idle_.end(); ++i)
    if (i->second.last_returned < oldest->second.last_returned)
      oldest = i;
  return oldest;
}

void content_store_pool::take_least_recent(stores& closing) {
  auto i = least_recent();
  closing.push_back(std::move(i->second.open.back()));
  i->second.open.pop_back();
  --idle_count_;
  if (i->second.open.empty())
    idle_.erase(i);
}

void content_store_pool::forget(int64_t key) {
  stores closing;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    for (auto i = idle_.begin(); i != idle_.end();) {
      if (i->first.first == key) {
        for (auto& store : i->second.open)
          closing.push_back(std::move(store));
        idle_count_ -= i->second.open.size();
        i = idle_.erase(i);
      } else {
        ++i;
      }
    }
  }
  close_and_release(closing);
}

} // namespace downhill::persistence
