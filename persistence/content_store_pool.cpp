#include "persistence/content_store_pool.hpp"

namespace downhill::persistence {

content_store_pool::lease
content_store_pool::open(int64_t key, int64_t generation,
                         const std::filesystem::path& dir) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = idle_.find({key, generation});
    if (i != idle_.end() && !i->second.empty()) {
      auto store = std::move(i->second.back());
      i->second.pop_back();
      return lease{*this, key, generation, std::move(store)};
    }
  }
  return lease{*this, key, generation, std::make_unique<content_store>(dir)};
}

void content_store_pool::give_back(int64_t key, int64_t generation,
                                   std::unique_ptr<content_store> store) {
  std::unique_ptr<content_store> closing;  // destroyed after the lock
  std::lock_guard<std::mutex> lock{mutex_};
  auto& idle = idle_[{key, generation}];
  if (idle.size() < max_idle_per_environment)
    idle.push_back(std::move(store));
  else
    closing = std::move(store);
}

void content_store_pool::forget(int64_t key) {
  std::vector<std::unique_ptr<content_store>> closing;
  std::lock_guard<std::mutex> lock{mutex_};
  for (auto i = idle_.begin(); i != idle_.end();) {
    if (i->first.first == key) {
      for (auto& store : i->second)
        closing.push_back(std::move(store));
      i = idle_.erase(i);
    } else {
      ++i;
    }
  }
}

} // namespace downhill::persistence
