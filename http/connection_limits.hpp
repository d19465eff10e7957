// Caps on open connections, in all and per client address, so that no
// client can pin the server's memory or file descriptors by opening
// connections. A connection holds a ticket; its release frees the slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace downhill::http {

class connection_limits : public std::enable_shared_from_this<connection_limits> {
public:
  enum class verdict { admitted, server_full, address_full };

  connection_limits(size_t max_total, size_t max_per_address);

  /// A ticket for a new connection from `address`, or null with the reason.
  std::shared_ptr<void> admit(const std::string& address, verdict& why);

  size_t open() const;
  /// Connections closed since the start (to tell when load has ended).
  uint64_t closed() const;

private:
  void release(const std::string& address);

  const size_t max_total_;
  const size_t max_per_address_;
  mutable std::mutex mutex_;
  size_t open_ = 0;
  uint64_t closed_ = 0;
  std::map<std::string, size_t> per_address_;
};

} // namespace downhill::http
