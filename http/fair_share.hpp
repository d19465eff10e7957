// One organization holds only a bounded share of the handler pool. Each
// request is keyed by the organization in its path; a key runs at most
// `per_key_running` handlers at once, and the rest of its requests wait in
// its own FIFO, so a tenant that floods the server waits behind itself
// while every other tenant keeps its share. Keys with nothing running or
// waiting are forgotten: idle tenants cost nothing.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace downhill::http {

class fair_share {
public:
  fair_share(boost::asio::thread_pool& pool, size_t per_key_running,
             size_t per_key_waiting);

  /// Runs `work` on the pool as soon as the key has a free slot. False (and
  /// `work` dropped) if the key already has its whole queue waiting: the
  /// caller answers 429.
  bool submit(const std::string& key, std::function<void()> work);

  /// Keys currently running or waiting (for tests and metrics).
  size_t active_keys() const;

private:
  struct key_state {
    size_t running = 0;
    std::deque<std::function<void()>> waiting;
  };

  void start(const std::string& key, std::function<void()> work);
  void finished(const std::string& key);

  boost::asio::thread_pool& pool_;
  const size_t per_key_running_;
  const size_t per_key_waiting_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, key_state> keys_;
};

} // namespace downhill::http
