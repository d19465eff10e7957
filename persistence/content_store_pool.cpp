#include "persistence/content_store_pool.hpp"

namespace downhill::persistence {

content_store_pool::lease
content_store_pool::open(int64_t key, int64_t generation,
                         const std::filesystem::path& dir) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = idle_.find({key, generation});
    if (i != idle_.end() && !i->second.stores.empty()) {
      auto store = std::move(i->second.stores.back());
      i->second.stores.pop_back();
      --idle_count_;
      if (i->second.stores.empty())
        idle_.erase(i);
      return lease{*this, key, generation, std::move(store)};
    }
  }
  return lease{*this, key, generation, std::make_unique<content_store>(dir)};
}

void content_store_pool::give_back(int64_t key, int64_t generation,
                                   std::unique_ptr<content_store> store) {
  std::vector<std::unique_ptr<content_store>> closing;  // after the lock
  std::lock_guard<std::mutex> lock{mutex_};
  auto& idle = idle_[{key, generation}];
  idle.last_returned = ++clock_;
  if (idle.stores.size() >= max_idle_per_environment) {
    closing.push_back(std::move(store));
    return;
  }
  idle.stores.push_back(std::move(store));
  if (++idle_count_ <= max_idle_in_all)
    return;
  auto oldest = least_recent();
  closing.push_back(std::move(oldest->second.stores.back()));
  oldest->second.stores.pop_back();
  --idle_count_;
  if (oldest->second.stores.empty())
    idle_.erase(oldest);
}

std::map<std::pair<int64_t, int64_t>,
         content_store_pool::idle_stores>::iterator
content_store_pool::least_recent() {
  auto oldest = idle_.begin();
  for (auto i = idle_.begin(); i != idle_.end(); ++i)
    if (i->second.last_returned < oldest->second.last_returned)
      oldest = i;
  return oldest;
}

void content_store_pool::forget(int64_t key) {
  std::vector<std::unique_ptr<content_store>> closing;
  std::lock_guard<std::mutex> lock{mutex_};
  for (auto i = idle_.begin(); i != idle_.end();) {
    if (i->first.first == key) {
      for (auto& store : i->second.stores)
        closing.push_back(std::move(store));
      idle_count_ -= i->second.stores.size();
      i = idle_.erase(i);
    } else {
      ++i;
    }
  }
}

} // namespace downhill::persistence
