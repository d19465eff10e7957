// The actors of one server, how they are started and stopped, and how an
// organization whose actor stopped gets a new one.
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"
#include "actors/control_plane_writer.hpp"
#include "actors/event_hub.hpp"
#include "actors/job_records.hpp"
#include "actors/org_actor.hpp"
#include "actors/org_supervisor.hpp"
#include "actors/server_log.hpp"
#include "persistence/control_plane.hpp"
#include "scheduler/scheduler_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <mutex>

namespace downhill {

namespace {

/// CAF's default scheduler (work stealing) polls for work: an idle worker
/// spins, then sleeps 50 us at a time, then 10 ms, for ever, so an idle
/// server still burns CPU and wakes every core. Work sharing parks idle
/// workers on a condition variable: an idle server uses no CPU. Stealing
/// buys little here: the actors mostly hand work to detached task actors
/// and to the writer, which have threads of their own.
caf::actor_system_config& idle_without_polling(
  caf::actor_system_config& config) {
  config.set("scheduler.policy", caf::atom("sharing"));
  return config;
}

} // namespace

core::impl::impl(const options& opts)
  : data_dir(opts.data_dir),
    svc(std::make_shared<services>(opts.data_dir)),
    system(idle_without_polling(config)) {
  svc->copy_bytes_per_second = opts.copy_bytes_per_second;
  svc->stores.limit_files(opts.max_store_files);
  svc->blocking.set_threads(blocking_pool::lane::copies, opts.copy_threads);
  svc->blocking.set_threads(blocking_pool::lane::steps, opts.step_threads);
  auto file = data_dir / "control-plane.db";
  auto db = std::make_shared<persistence::control_plane>(
    file, persistence::control_plane::access::writer);
  report = recover(*db, svc->layout);
  for (auto& user : db->list_users())
    users.add(user.token_hash, identity{false, user.org_id, user.name});
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

org_actor core::impl::start_org(const std::string& org_id,
                                org_snapshot snapshot) {
  auto org = system.spawn(organization, org_id, std::move(snapshot), svc);
  {
    std::unique_lock<std::shared_mutex> lock{mutex};
    orgs[org_id] = org;
  }
  caf::anon_send(supervisor, watch_atom::value, org_id, org);
  return org;
}

// The writer first commits what is queued, so the snapshot includes every
// write the old actor asked for.
org_actor core::impl::replace_org(const std::string& org_id,
                                  const caf::error& why) {
  if (stopping)
    return {};
  log_line(log_level::error,
           "org " + org_id + ": its actor stopped unexpectedly ("
             + caf::to_string(why) + "); rebuilding it from the control plane");
  auto snapshot = ask(svc->writer, list_atom::value, org_id);
  if (snapshot.error || snapshot.value.error) {
    log_line(log_level::error,
             "org " + org_id + ": cannot rebuild it yet ("
               + (snapshot.error ? snapshot.error.message
                                 : snapshot.value.error.message)
               + "); trying again");
    return {};
  }
  auto org = system.spawn(organization, org_id, std::move(snapshot.value),
                          svc);
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

core::impl::~impl() {
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

std::optional<org_actor> core::impl::find_org(const std::string& org_id) const {
  std::shared_lock<std::shared_mutex> lock{mutex};
  auto i = orgs.find(org_id);
  if (i == orgs.end())
    return std::nullopt;
  return i->second;
}

std::vector<org_actor> core::impl::all_orgs() const {
  std::shared_lock<std::shared_mutex> lock{mutex};
  std::vector<org_actor> result;
  for (auto& [id, org] : orgs)
    result.push_back(org);
  return result;
}

} // namespace downhill
