#include "actors/core.hpp"

#include "actors/control_plane_writer.hpp"
#include "actors/event_hub.hpp"
#include "actors/job_records.hpp"
#include "actors/org_actor.hpp"
#include "actors/org_supervisor.hpp"
#include "actors/services.hpp"
#include "actors/server_log.hpp"
#include "scheduler/scheduler_actor.hpp"
#include "persistence/content_store.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/tokens.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

namespace downhill {

namespace fs = std::filesystem;

namespace {

/// How long a request waits for an org actor before answering 503.
constexpr auto actor_timeout = std::chrono::seconds(30);

/// A request to an actor that came back as a CAF error, in the API's terms:
/// no answer in time, or an organization's actor that stopped (it is being
/// replaced), is worth a retry (503); anything else is a server fault (500).
api_error unavailable(const caf::error& e) {
  if (e == caf::make_error(caf::sec::request_timeout))
    return make_error(error_code::unavailable,
                      "The server did not answer within "
                        + std::to_string(actor_timeout.count())
                        + " seconds; try again.");
  if (e == caf::make_error(caf::sec::request_receiver_down))
    return make_error(error_code::unavailable,
                      "This organization's worker stopped and is being "
                      "restarted; try again in a moment.");
  return make_error(error_code::internal,
                    "The server failed to answer: " + caf::to_string(e)
                      + ".");
}

api_error no_such_org() {
  return make_error(error_code::not_found, "No such organization.");
}

/// Start-up recovery: whatever a dead process left half-done is undone
/// here, before any actor runs. Runs that were running or queued become
/// interrupted; environments still `creating` disappear; every generation
/// directory that is not an environment's current one is removed. After
/// this, each environment holds exactly the data of its last committed
/// switch.
recovery_report recover(persistence::control_plane& db,
                        const persistence::environment_layout& layout) {
  recovery_report report;
  report.interrupted_runs = db.interrupt_unfinished_runs(now_ms()).size();
  for (auto key : db.delete_unfinished_environments()) {
    layout.remove_environment(key);
    ++report.removed_environments;
  }
  std::set<std::string> known;
  for (auto& env : db.list_environments()) {
    known.insert(std::to_string(env.key));
    report.removed_directories
      += static_cast<size_t>(layout.remove_other_generations(env.key,
                                                             env.generation));
  }
  for (auto& item : fs::directory_iterator{layout.root()}) {
    if (known.count(item.path().filename().string()) == 0) {
      fs::remove_all(item.path());
      ++report.removed_directories;
    }
  }
  return report;
}

/// Read-only control-plane connections, lent one per request.
class reader_pool {
public:
  reader_pool(const fs::path& file, size_t size) {
    for (size_t i = 0; i < size; ++i)
      free_.push_back(std::make_unique<persistence::control_plane>(
        file, persistence::control_plane::access::reader));
  }

  void use(const std::function<void(persistence::control_plane&)>& work) {
    std::unique_ptr<persistence::control_plane> db;
    {
      std::unique_lock<std::mutex> lock{mutex_};
      available_.wait(lock, [&] { return !free_.empty(); });
      db = std::move(free_.back());
      free_.pop_back();
    }
    struct give_back {
      reader_pool* pool;
      std::unique_ptr<persistence::control_plane>& db;
      ~give_back() {
        std::lock_guard<std::mutex> lock{pool->mutex_};
        pool->free_.push_back(std::move(db));
        pool->available_.notify_one();
      }
    } returner{this, db};
    work(*db);
  }

private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<persistence::control_plane>> free_;
};

} // namespace

struct core::impl {
  explicit impl(const options& opts)
    : data_dir(opts.data_dir),
      svc(std::make_shared<services>(opts.data_dir)),
      system(config) {
    svc->copy_bytes_per_second = opts.copy_bytes_per_second;
    auto file = data_dir / "control-plane.db";
    auto db = std::make_shared<persistence::control_plane>(
      file, persistence::control_plane::access::writer);
    report = recover(*db, svc->layout);
    for (auto& user : db->list_users())
      users.emplace(user.token_hash, identity{false, user.org_id, user.name});
    std::map<std::string, org_snapshot> snapshots;
    for (auto& org : db->list_orgs())
      snapshots[org.id];
    for (auto& env : db->list_environments())
      snapshots[env.org_id].environments.push_back(env);
    readers = std::make_unique<reader_pool>(file, opts.reader_connections);
    auto recurring = db->list_recurring_jobs();
    for (auto& job : recurring)
      snapshots[job.org_id].recurring_jobs.push_back(job.id);
    svc->writer = system.spawn<caf::detached>(control_plane_writer,
                                              std::move(db), &svc->layout);
    svc->scheduler = system.spawn(recurring_scheduler, svc->writer,
                                  std::function<int64_t()>{});
    svc->events = system.spawn(event_hub);
    supervisor = system.spawn<caf::detached>(
      org_supervisor, [this](const std::string& org_id, const caf::error& why) {
        return replace_org(org_id, why);
      });
    for (auto& [org_id, snapshot] : snapshots)
      start_org(org_id, std::move(snapshot));
    // Every stored recurring job is scheduled again; one whose slot passed
    // while the server was down fires once, at once.
    for (auto& job : recurring) {
      auto held = recurring_job_of(job, fire_target{orgs.at(job.org_id)});
      if (held.error) {
        log_line(log_level::error, held.error.message);  // it never fires
        continue;
      }
      caf::anon_send(svc->scheduler, register_atom::value,
                     std::move(held.value));
    }
  }

  /// Spawns an organization's actor, watched by the supervisor.
  org_actor start_org(const std::string& org_id, org_snapshot snapshot) {
    auto org = system.spawn(organization, org_id, std::move(snapshot), svc);
    {
      std::unique_lock<std::shared_mutex> lock{mutex};
      orgs[org_id] = org;
    }
    caf::anon_send(supervisor, watch_atom::value, org_id, org);
    return org;
  }

  /// The supervisor's rebuild of an organization whose actor stopped
  /// unexpectedly (runs on the supervisor's own thread: it may block). The
  /// writer first commits what is queued, so the snapshot includes every
  /// write the old actor asked for.
  org_actor replace_org(const std::string& org_id, const caf::error& why) {
    if (stopping)
      return {};
    log_line(log_level::error,
             "org " + org_id + ": its actor stopped unexpectedly ("
               + caf::to_string(why) + "); rebuilding it from the control plane");
    org_snapshot snapshot;
    caf::error failure;
    caf::scoped_actor self{system};
    self->request(svc->writer, actor_timeout, list_atom::value, org_id)
      .receive([&](org_snapshot& reply) { snapshot = std::move(reply); },
               [&](caf::error& e) { failure = std::move(e); });
    if (failure || snapshot.error) {
      log_line(log_level::error,
               "org " + org_id + ": cannot rebuild it yet ("
                 + (failure ? caf::to_string(failure) : snapshot.error.message)
                 + "); trying again");
      return {};
    }
    auto org = system.spawn(organization, org_id, std::move(snapshot), svc);
    {
      std::unique_lock<std::shared_mutex> lock{mutex};
      orgs[org_id] = org;
    }
    // The scheduler held the old handle: its firings go to the new actor
    // from now on (a slot that fell in between was lost).
    caf::anon_send(svc->scheduler, register_atom::value, org_id,
                   fire_target{org});
    return org;
  }

  ~impl() {
    // No organization is replaced from here on: the supervisor stops first
    // (after any rebuild in progress), then every actor.
    stopping = true;
    {
      caf::scoped_actor self{system};
      self->send_exit(supervisor, caf::exit_reason::user_shutdown);
      self->wait_for(supervisor);
    }
    supervisor = org_supervisor_actor{};
    svc->runs.clear();
    // Actors stop after their current message; detached tasks finish their
    // step. Anything unfinished is marked interrupted at the next start.
    for (auto& [id, org] : orgs)
      caf::anon_send_exit(org, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc->scheduler, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc->events, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc->writer, caf::exit_reason::user_shutdown);
    // The actor system's destructor waits until every detached actor is
    // destroyed, which needs the last handle to it gone.
    orgs.clear();
    svc->scheduler = scheduler_actor{};
    svc->events = event_hub_actor{};
    svc->writer = control_plane_writer_actor{};
  }

  std::optional<org_actor> find_org(const std::string& org_id) const {
    std::shared_lock<std::shared_mutex> lock{mutex};
    auto i = orgs.find(org_id);
    if (i == orgs.end())
      return std::nullopt;
    return i->second;
  }

  fs::path data_dir;
  services_ptr svc;
  caf::actor_system_config config;
  caf::actor_system system;
  recovery_report report;
  std::unique_ptr<reader_pool> readers;
  mutable std::shared_mutex mutex;  // guards orgs and users
  std::map<std::string, org_actor> orgs;
  std::map<std::string, identity> users;  // by token hash
  std::atomic<uint64_t> next_subscription{1};
  org_supervisor_actor supervisor;
  std::atomic<bool> stopping{false};  // the destructor runs
};

core::core(const options& opts) : impl_(std::make_unique<impl>(opts)) {
}

core::~core() = default;

const recovery_report& core::recovery() const {
  return impl_->report;
}

void core::shutdown(std::chrono::seconds timeout) {
  std::vector<org_actor> orgs;
  {
    std::shared_lock<std::shared_mutex> lock{impl_->mutex};
    for (auto& [id, org] : impl_->orgs)
      orgs.push_back(org);
  }
  caf::scoped_actor self{impl_->system};
  for (auto& org : orgs)
    self->send(org, shutdown_atom::value);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& org : orgs) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero())
      break;
    // Asking again is harmless: it answers once the organization is idle.
    self->request(org, left, shutdown_atom::value)
      .receive([](bool) {}, [](caf::error&) {});
  }
}

outcome<persistence::environment_record>
core::create_org(const std::string& name) {
  outcome<persistence::environment_record> result;
  caf::scoped_actor self{impl_->system};
  self
    ->request(impl_->svc->writer, actor_timeout, create_atom::value,
              persistence::org_record{name, name, now_ms()})
    .receive(
      [&](created_org_reply& reply) {
        result.error = std::move(reply.error);
        result.value = std::move(reply.main_environment);
      },
      [&](caf::error& e) { result.error = unavailable(e); });
  if (!result.error) {
    org_snapshot snapshot;
    snapshot.environments.push_back(result.value);
    impl_->start_org(name, std::move(snapshot));
  }
  return result;
}

outcome<std::string> core::create_user(const std::string& org_id,
                                       const std::string& name) {
  outcome<std::string> result;
  if (!org_exists(org_id)) {
    result.error = no_such_org();
    return result;
  }
  auto token = persistence::generate_token();
  auto hash = persistence::hash_token(token);
  caf::scoped_actor self{impl_->system};
  self
    ->request(impl_->svc->writer, actor_timeout, create_atom::value,
              persistence::user_record{org_id, name, hash})
    .receive([&](api_error& error) { result.error = std::move(error); },
             [&](caf::error& e) { result.error = unavailable(e); });
  if (!result.error) {
    std::unique_lock<std::shared_mutex> lock{impl_->mutex};
    impl_->users.emplace(hash, identity{false, org_id, name});
    result.value = token;
  }
  return result;
}

bool core::org_exists(const std::string& org_id) const {
  return impl_->find_org(org_id).has_value();
}

std::optional<identity> core::find_user(const std::string& token) const {
  // Users created before SHA-256 are stored under their SHA-1; each form is
  // tried, so their tokens keep working with no migration.
  auto hashes = persistence::token_lookup_hashes(token);
  std::shared_lock<std::shared_mutex> lock{impl_->mutex};
  for (auto& hash : hashes) {
    auto i = impl_->users.find(hash);
    if (i != impl_->users.end())
      return i->second;
  }
  return std::nullopt;
}

namespace {

/// Asks an org actor and waits (on this pool thread) for the reply.
template <class Reply, class... Ts>
outcome<Reply> ask(caf::actor_system& system, const org_actor& org,
                   Ts&&... xs) {
  outcome<Reply> result;
  caf::scoped_actor self{system};
  self->request(org, actor_timeout, std::forward<Ts>(xs)...)
    .receive([&](Reply& reply) { result.value = std::move(reply); },
             [&](caf::error& e) { result.error = unavailable(e); });
  return result;
}

} // namespace

outcome<std::vector<environment_view>>
core::list_environments(const std::string& org_id) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return {no_such_org(), {}};
  return ask<std::vector<environment_view>>(impl_->system, *org,
                                            list_atom::value);
}

outcome<submit_reply> core::submit_job(const std::string& org_id,
                                       const job_spec& spec) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return {no_such_org(), {}};
  auto result = ask<submit_reply>(impl_->system, *org, submit_atom::value,
                                  spec);
  if (!result.error && result.value.error)
    result.error = result.value.error;
  return result;
}

api_error core::cancel_run(const std::string& org_id, int64_t run_id) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_such_org();
  auto result = ask<api_error>(impl_->system, *org, cancel_atom::value,
                               run_id);
  return result.error ? result.error : result.value;
}

api_error core::delete_environment(const std::string& org_id,
                                   const std::string& env) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_such_org();
  auto result = ask<content_grant>(impl_->system, *org, remove_atom::value,
                                   env);
  if (result.error)
    return result.error;
  if (result.value.error)
    return result.value.error;
  auto key = result.value.key;
  auto guard = impl_->svc->guards.get(key);
  {
    // Wait for requests admitted before the delete to finish.
    std::unique_lock<std::shared_mutex> exclusive{guard->mutex};
    impl_->svc->stores.forget(key);
    impl_->svc->layout.remove_environment(key);
  }
  impl_->svc->guards.forget(key);
  return {};
}

api_error core::with_content(
  const std::string& org_id, const std::string& env,
  const std::function<void(persistence::content_store&)>& work) {
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_such_org();
  auto grant = ask<content_grant>(impl_->system, *org, access_atom::value, env);
  if (grant.error)
    return grant.error;
  if (grant.value.error)
    return grant.value.error;
  auto guard = impl_->svc->guards.get(grant.value.key);
  std::shared_lock<std::shared_mutex> shared{guard->mutex};
  auto key = grant.value.key;
  auto store = impl_->svc->stores.open(
    key, guard->generation,
    impl_->svc->layout.generation_dir(key, guard->generation));
  work(*store);
  return {};
}

api_error core::change_recurring_job(const std::string& org_id,
                                     int64_t job_id, recurring_change change) {
  std::optional<persistence::job_record> job;
  read([&](persistence::control_plane& db) { job = db.get_job(org_id, job_id); });
  if (!job || (job->state != "active" && job->state != "paused"))
    return make_error(error_code::not_found,
                      "No recurring job " + std::to_string(job_id) + ".");
  outcome<api_error> result;
  caf::scoped_actor self{impl_->system};
  auto reply = [&](api_error& e) { result.value = std::move(e); };
  auto fail = [&](caf::error& e) { result.error = unavailable(e); };
  auto& target = impl_->svc->scheduler;
  // The scheduler first (no new firing), then the organization, whose
  // waiting run of this job (if any) ends cancelled.
  switch (change) {
    case recurring_change::pause:
      self->request(target, actor_timeout, pause_atom::value, job_id)
        .receive(reply, fail);
      break;
    case recurring_change::resume:
      self->request(target, actor_timeout, resume_atom::value, job_id)
        .receive(reply, fail);
      break;
    case recurring_change::remove:
      self->request(target, actor_timeout, remove_atom::value, job_id)
        .receive(reply, fail);
      break;
  }
  if (result.error || result.value || change == recurring_change::resume)
    return result.error ? result.error : result.value;
  auto org = impl_->find_org(org_id);
  if (!org)
    return no_such_org();
  auto withdrawn = ask<api_error>(
    impl_->system, *org, withdraw_atom::value, job_id,
    std::string{change == recurring_change::pause ? "paused" : "deleted"});
  return withdrawn.error ? withdrawn.error : withdrawn.value;
}

uint64_t core::subscribe_events(const std::string& org_id, int64_t run_id,
                                int64_t after, event_sink sink) {
  auto id = impl_->next_subscription++;
  caf::anon_send(impl_->svc->events, subscribe_atom::value,
                 subscription{id, org_id, run_id, after, std::move(sink)});
  return id;
}

void core::unsubscribe_events(uint64_t id) {
  caf::anon_send(impl_->svc->events, unsubscribe_atom::value, id);
}

void core::read(
  const std::function<void(persistence::control_plane&)>& work) {
  impl_->readers->use(work);
}

} // namespace downhill
