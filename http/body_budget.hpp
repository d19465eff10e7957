// How many bytes of request bodies may be in memory at once, per
// organization and in all. A request's body is read only after its
// organization's budget takes it (checked on the headers: the declared
// Content-Length, or the route's limit for a chunked body), and the bytes
// are given back once its answer is sent. Without this, many connections
// of one tenant, each trickling a large body, could pin gigabytes.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace downhill::http {

class body_budget : public std::enable_shared_from_this<body_budget> {
public:
  body_budget(size_t per_key_bytes, size_t total_bytes);

  /// A hold on `bytes` for `key`, released when the last copy of it is
  /// dropped; null if the key's or the server's budget has no room.
  std::shared_ptr<void> take(const std::string& key, size_t bytes);

private:
  void give_back(const std::string& key, size_t bytes);

  const size_t per_key_bytes_;
  const size_t total_bytes_;
  std::mutex mutex_;
  size_t total_ = 0;
  std::unordered_map<std::string, size_t> per_key_;
};

} // namespace downhill::http
