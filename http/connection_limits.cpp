#include "http/connection_limits.hpp"

#include "http/release_on_drop.hpp"

namespace downhill::http {

connection_limits::connection_limits(size_t max_total, size_t max_per_address)
  : max_total_(max_total), max_per_address_(max_per_address) {
}

std::shared_ptr<void> connection_limits::admit(const std::string& address,
                                               verdict& why) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    if (open_ >= max_total_) {
      why = verdict::server_full;
      return nullptr;
    }
    auto mine = per_address_.find(address);
    if ((mine == per_address_.end() ? 0 : mine->second) >= max_per_address_) {
      why = verdict::address_full;
      return nullptr;
    }
    ++per_address_[address];
    ++open_;
  }
  why = verdict::admitted;
  // The ticket keeps the limits alive: a session may outlive the listener.
  auto self = shared_from_this();
  return release_on_drop([self, address] { self->release(address); });
}

size_t connection_limits::open() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return open_;
}

uint64_t connection_limits::closed() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return closed_;
}

void connection_limits::release(const std::string& address) {
  std::lock_guard<std::mutex> lock{mutex_};
  --open_;
  ++closed_;
  auto i = per_address_.find(address);
  if (i != per_address_.end() && --i->second == 0)
    per_address_.erase(i);
}

} // namespace downhill::http
