#include "actors/blocking_pool.hpp"

#include "actors/server_log.hpp"

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>

#include <algorithm>
#include <thread>

namespace downhill {

namespace {

/// How long a worker stays once no run holds the pool (it also delays the
/// actor system's end at shutdown by at most this).
constexpr auto idle_linger = std::chrono::milliseconds(100);

} // namespace

struct blocking_pool::shared {
  struct lane_state {
    std::deque<job> queue;
    std::size_t limit = 1;
    std::size_t workers = 0;  // started and not yet stopped
    std::size_t idle = 0;     // waiting for a job
    std::condition_variable wake;
  };

  std::mutex mutex;
  lane_state lanes[3];
  std::size_t users = 0;

  lane_state& of(lane which) { return lanes[static_cast<int>(which)]; }

  /// A worker's life: jobs until the queue is empty and no run may submit
  /// more.
  void work(caf::blocking_actor* self, lane which) {
    auto& l = of(which);
    std::unique_lock<std::mutex> lock{mutex};
    for (;;) {
      if (!l.queue.empty()) {
        auto next = std::move(l.queue.front());
        l.queue.pop_front();
        lock.unlock();
        try {
          next(self);
        } catch (const std::exception& e) {
          // Jobs report their own failures; this one escaped.
          log_line(log_level::error,
                   std::string{"a blocking job failed: "} + e.what());
        } catch (...) {
          log_line(log_level::error, "a blocking job failed");
        }
        next = nullptr;  // its handles go before the lock is taken
        lock.lock();
        continue;
      }
      if (users == 0) {
        // A moment's grace before stopping: at light load one
        // organization's next run starts right after its last ended.
        ++l.idle;
        bool timed_out
          = l.wake.wait_for(lock, idle_linger) == std::cv_status::timeout;
        --l.idle;
        if (timed_out && l.queue.empty() && users == 0)
          break;
        continue;
      }
      ++l.idle;
      l.wake.wait(lock);
      --l.idle;
    }
    --l.workers;
  }
};

std::size_t blocking_pool::default_threads(lane which) {
  std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return which == lane::steps ? std::max<std::size_t>(8, 8 * cores)
                             : std::max<std::size_t>(2, 2 * cores);
}

blocking_pool::blocking_pool() : state_(std::make_shared<shared>()) {
  set_threads(lane::copies, 0);
  set_threads(lane::long_copies, 0);
  set_threads(lane::steps, 0);
}

void blocking_pool::set_threads(lane which, std::size_t threads) {
  std::lock_guard<std::mutex> lock{state_->mutex};
  state_->of(which).limit = threads ? threads : default_threads(which);
}

std::size_t blocking_pool::threads(lane which) const {
  std::lock_guard<std::mutex> lock{state_->mutex};
  return state_->of(which).limit;
}

blocking_pool::user::user(std::shared_ptr<shared> state)
  : state_(std::move(state)) {
  std::lock_guard<std::mutex> lock{state_->mutex};
  ++state_->users;
}

blocking_pool::user::user(user&& other) noexcept
  : state_(std::move(other.state_)) {
}

blocking_pool::user&
blocking_pool::user::operator=(user&& other) noexcept {
  if (this != &other) {
    user gone{std::move(*this)};
    state_ = std::move(other.state_);
  }
  return *this;
}

blocking_pool::user::~user() {
  if (!state_)
    return;
  std::lock_guard<std::mutex> lock{state_->mutex};
  if (--state_->users == 0)
    for (auto& l : state_->lanes)
      l.wake.notify_all();  // idle workers stop
}

blocking_pool::user blocking_pool::enter() {
  return user{state_};
}

void blocking_pool::submit(caf::actor_system& system, lane which, job work) {
  bool start = false;
  {
    std::lock_guard<std::mutex> lock{state_->mutex};
    auto& l = state_->of(which);
    l.queue.push_back(std::move(work));
    if (l.queue.size() <= l.idle) {
      l.wake.notify_one();
    } else if (l.workers < l.limit) {
      ++l.workers;
      start = true;
    }
    // else: every worker is busy; the job waits for the first one free.
  }
  if (start)
    // The state goes as a spawn argument, not a capture: see
    // tests/sanitizers/ubsan.supp on CAF's actors spawned without one.
    system.spawn<caf::detached>(
      [](caf::blocking_actor* self, std::shared_ptr<shared> pool, lane l) {
        pool->work(self, l);
      },
      state_, which);
}

} // namespace downhill
