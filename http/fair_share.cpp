#include "http/fair_share.hpp"

#include "actors/server_log.hpp"

#include <boost/asio/post.hpp>

namespace downhill::http {

fair_share::fair_share(boost::asio::thread_pool& pool, size_t per_key_running,
                       size_t per_key_waiting)
  : pool_(pool), per_key_running_(per_key_running == 0 ? 1 : per_key_running),
    per_key_waiting_(per_key_waiting) {
}

bool fair_share::submit(const std::string& key, std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto& state = keys_[key];
    if (state.running >= per_key_running_) {
      if (state.waiting.size() >= per_key_waiting_)
        return false;
      state.waiting.push_back(std::move(work));
      return true;
    }
    ++state.running;
  }
  start(key, std::move(work));
  return true;
}

size_t fair_share::active_keys() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return keys_.size();
}

void fair_share::start(const std::string& key, std::function<void()> work) {
  boost::asio::post(pool_, [this, key, work = std::move(work)] {
    try {
      work();
    } catch (const std::exception& e) {
      // Handlers answer their own errors; this is a last line of defence
      // that keeps the pool thread (and the key's slot) alive.
      log_line(log_level::error,
               std::string{"request work failed: "} + e.what());
    } catch (...) {
      log_line(log_level::error, "request work failed: unknown exception");
    }
    finished(key);
  });
}

void fair_share::finished(const std::string& key) {
  std::function<void()> next;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto i = keys_.find(key);
    if (i == keys_.end())
      return;
    if (i->second.waiting.empty()) {
      if (--i->second.running == 0)
        keys_.erase(i);
      return;
    }
    next = std::move(i->second.waiting.front());
    i->second.waiting.pop_front();
  }
  start(key, std::move(next));  // the slot passes to the next request
}

} // namespace downhill::http
