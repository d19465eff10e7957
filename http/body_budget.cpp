#include "http/body_budget.hpp"

#include "http/release_on_drop.hpp"

namespace downhill::http {

body_budget::body_budget(size_t per_key_bytes, size_t total_bytes)
  : per_key_bytes_(per_key_bytes), total_bytes_(total_bytes) {
}

std::shared_ptr<void> body_budget::take(const std::string& key, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = per_key_.find(key);
    size_t mine = i == per_key_.end() ? 0 : i->second;
    if (total_ + bytes > total_bytes_ || mine + bytes > per_key_bytes_)
      return nullptr;
    total_ += bytes;
    per_key_[key] = mine + bytes;
  }
  auto self = shared_from_this();
  return release_on_drop([self, key, bytes] {
    self->give_back(key, bytes);
  });
}

void body_budget::give_back(const std::string& key, size_t bytes) {
  std::lock_guard<std::mutex> lock{mutex_};
  total_ -= bytes;
  auto i = per_key_.find(key);
  if (i != per_key_.end() && (i->second -= bytes) == 0)
    per_key_.erase(i);  // idle tenants cost nothing
}

} // namespace downhill::http
