// A bounded set of threads for the blocking steps of runs (the copies, the
// commit step, the discard step), instead of a new thread per step.
#pragma once

#include <caf/fwd.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace downhill {

/// Three lanes of worker threads taking jobs from a queue each: `copies`
/// for the tasks' copies, `long_copies` for the copies expected to take a
/// while (a copy moves there when a worker finds its base large, so small
/// syncs of other organizations never wait behind it), and `steps` for the
/// commit and discard steps, which are short but must not wait behind
/// copies.
///
/// Each worker is a detached CAF actor: a job gets the worker's
/// blocking_actor to send its reports (and the commit step to await the
/// org actor's answer), and the actor system's destructor waits for the
/// workers, so no job ever outlives the system. Workers are started when
/// jobs queue up (never more than the lane's limit) and stop once no run
/// has held a `user` for 100 ms and their queue is empty: an idle server
/// has no worker, and a stopping server's last run lets them go.
class blocking_pool {
public:
  enum class lane { copies = 0, steps = 1, long_copies = 2 };
  using job = std::function<void(caf::blocking_actor*)>;
  /// The queues and counts, shared with the workers.
  struct shared;

  /// Threads per lane when not configured: each copy lane 2 per core (at
  /// least 2), steps 8 per core (at least 8; a commit step mostly waits for
  /// the control plane's group commit, and each waiting one joins it).
  static std::size_t default_threads(lane which);

  blocking_pool();

  /// Limits the lane to `threads` workers (0: the default).
  void set_threads(lane which, std::size_t threads);
  std::size_t threads(lane which) const;

  /// Held by each run actor while it may submit jobs. Workers wait for
  /// work while any user is held, and stop when none is.
  class user {
  public:
    user() = default;
    user(user&& other) noexcept;
    user& operator=(user&& other) noexcept;
    user(const user&) = delete;
    user& operator=(const user&) = delete;
    ~user();

  private:
    friend class blocking_pool;
    explicit user(std::shared_ptr<shared> state);
    std::shared_ptr<shared> state_;
  };

  user enter();

  /// Queues `work` on `which`; starts a worker in `system` if every worker
  /// of the lane is busy and the lane is below its limit.
  void submit(caf::actor_system& system, lane which, job work);

private:
  std::shared_ptr<shared> state_;
};

} // namespace downhill
