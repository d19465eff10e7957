// The door between the HTTP layer and the actors. It keeps CAF out of the
// HTTP layer's headers, and it blocks: call it only from the HTTP server's
// blocking pool, never from a network thread or an actor.
//
// Its definition is split by concern: core.cpp (life cycle and reads),
// core_wiring.cpp (the actors and their replacement), core_accounts.cpp
// (organizations and users), core_jobs.cpp (jobs, runs, recurring jobs),
// core_content.cpp (content under its guard, deletion), core_events.cpp
// (live-event subscriptions).
#pragma once

#include "actors/api_error.hpp"
#include "actors/job_rules.hpp"
#include "actors/messages.hpp"
#include "actors/startup_recovery.hpp"
#include "actors/user_directory.hpp"
#include "persistence/fwd.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace downhill {

template <class T>
struct outcome {
  api_error error;
  T value{};
};

class core {
public:
  struct options {
    std::filesystem::path data_dir = "var";
    size_t reader_connections = 8;
    int64_t copy_bytes_per_second = 0;  // 0: copies are not paced
    /// Descriptors all open content stores together may hold
    /// (--max-store-files; see content_store_pool.hpp).
    size_t max_store_files = 1024;
    /// Threads for the runs' copies and for their commit and discard
    /// steps (--copy-threads, --step-threads; 0: from the core count, see
    /// blocking_pool.hpp).
    size_t copy_threads = 0;
    size_t step_threads = 0;
  };

  explicit core(const options& opts);
  ~core();

  const recovery_report& recovery() const;

  /// Stops every active run at a safe point (they end `interrupted`, their
  /// targets keep their old data) and refuses new jobs. Waits at most
  /// `timeout`; whatever is still running then is recovered at next start.
  void shutdown(std::chrono::seconds timeout);

  // -- organizations and users (admin) -------------------------------------
  outcome<persistence::environment_record> create_org(const std::string& name);
  /// Returns the new user's token (shown once).
  outcome<std::string> create_user(const std::string& org_id,
                                   const std::string& name);
  bool org_exists(const std::string& org_id) const;
  std::optional<identity> find_user(const std::string& token) const;

  // -- through the org actor -------------------------------------------------
  outcome<std::vector<environment_view>>
  list_environments(const std::string& org_id);
  outcome<submit_reply> submit_job(const std::string& org_id,
                                   const job_spec& spec);
  api_error cancel_run(const std::string& org_id, int64_t run_id);
  api_error delete_environment(const std::string& org_id,
                               const std::string& env);
  /// Runs `work` on the environment's current data, unless the org actor
  /// refuses (unknown environment, or locked by a run).
  api_error with_content(const std::string& org_id, const std::string& env,
                         const std::function<void(persistence::content_store&)>&
                           work);

  // -- recurring jobs (through the scheduler) -------------------------------------
  enum class recurring_change { pause, resume, remove };
  /// Pauses, resumes or deletes a recurring job of the organization.
  api_error change_recurring_job(const std::string& org_id, int64_t job_id,
                                 recurring_change change);

  // -- live events (non-blocking: callable from network threads) ----------------
  /// Delivers the events of one run (run_id > 0) or of the organization
  /// (run_id 0) to `sink` until unsubscribed; returns the subscription id.
  uint64_t subscribe_events(const std::string& org_id, int64_t run_id,
                            int64_t after, event_sink sink);
  void unsubscribe_events(uint64_t id);

  // -- reads of the control plane ---------------------------------------------
  void read(const std::function<void(persistence::control_plane&)>& work);
  /// What `work` returns, computed on a reader connection.
  template <class F>
  auto read_value(F work) -> decltype(work(
    std::declval<persistence::control_plane&>())) {
    std::optional<decltype(work(std::declval<persistence::control_plane&>()))>
      result;
    read([&](persistence::control_plane& db) { result.emplace(work(db)); });
    return std::move(*result);
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace downhill
