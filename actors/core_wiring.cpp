// The actors of one server, how they are started and stopped, how an
// organization's actor starts at its first use, and how one that stopped
// gets a new one.
#include "actors/core_impl.hpp"

#include "actors/actor_ask.hpp"
#include "actors/control_plane_writer.hpp"
#include "actors/event_hub.hpp"
#include "actors/job_records.hpp"
#include "actors/org_activator.hpp"
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
#include <set>

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
  svc->blocking.set_threads(blocking_pool::lane::long_copies,
                            opts.copy_threads);
  svc->blocking.set_threads(blocking_pool::lane::steps, opts.step_threads);
  auto file = data_dir / "control-plane.db";
  auto db = std::make_shared<persistence::control_plane>(
    file, persistence::control_plane::access::writer);
  // A few queries, whatever the number of organizations: their actors
  // start at first use, their directories are checked then (or by the
  // sweep below), so nothing here reads one directory per environment.
  report = recover(*db, svc->layout);
  for (auto& user : db->list_users())
    users.add(user.token_hash, identity{false, user.org_id, user.name});
  for (auto& org : db->list_orgs())
    orgs.emplace(org.id, std::make_shared<org_slot>());
  readers = std::make_unique<reader_pool>(file, opts.reader_connections);
  auto recurring = db->list_recurring_jobs();
  svc->writer = system.spawn<caf::detached>(control_plane_writer,
                                            std::move(db), &svc->layout);
  svc->scheduler = system.spawn(recurring_scheduler, svc->writer,
                                std::function<int64_t()>{});
  svc->events = system.spawn(event_hub);
  supervisor = system.spawn<caf::detached>(
    org_supervisor, [this](const std::string& org_id, const caf::error& why) {
      return replace_org(org_id, why);
    });
  std::map<int64_t, std::string> job_orgs;
  for (auto& job : recurring)
    job_orgs.emplace(job.id, job.org_id);
  activator = system.spawn<caf::detached>(
    org_activator,
    [this](const std::string& org_id) -> std::optional<org_actor> {
      auto org = find_org(org_id);
      if (org && *org)
        return org;
      return std::nullopt;
    },
    std::move(job_orgs));
  // Every stored recurring job is scheduled again, all in one message; one
  // whose slot passed while the server was down fires once, at once. They
  // fire at the activator, which starts their organization's actor if
  // need be.
  std::vector<recurring_job> held_jobs;
  held_jobs.reserve(recurring.size());
  for (auto& job : recurring) {
    auto held = recurring_job_of(job, activator);
    if (held.error) {
      log_line(log_level::error, held.error.message);  // it never fires
      continue;
    }
    held_jobs.push_back(std::move(held.value));
  }
  caf::anon_send(svc->scheduler, register_atom::value, std::move(held_jobs));
  // this goes as a spawn argument, not a capture: see
  // tests/sanitizers/ubsan.supp on CAF's actors spawned without one.
  sweeper = system.spawn<caf::detached>(
    [](caf::event_based_actor*, impl* core) { core->sweep_leftovers(); }, this);
}

void core::impl::add_org(const std::string& org_id) {
  auto slot = std::make_shared<org_slot>();
  slot->recovered = true;  // new: no dead process left anything of it
  std::unique_lock<std::shared_mutex> lock{mutex};
  orgs.emplace(org_id, std::move(slot));
}

bool core::impl::knows_org(const std::string& org_id) const {
  return slot_of(org_id) != nullptr;
}

std::shared_ptr<org_slot>
core::impl::slot_of(const std::string& org_id) const {
  std::shared_lock<std::shared_mutex> lock{mutex};
  auto i = orgs.find(org_id);
  return i == orgs.end() ? nullptr : i->second;
}

std::optional<org_actor> core::impl::find_org(const std::string& org_id) {
  auto slot = slot_of(org_id);
  if (!slot)
    return std::nullopt;
  std::lock_guard<std::mutex> lock{slot->mutex};
  if (slot->actor || stopping)
    return slot->actor;
  return activate(*slot, org_id);
}

// An organization's first use since the start (or since its creation):
// its actor is built from its rows, read on a reader connection. Nobody
// wrote them since: only its actor does, and it had none.
org_actor core::impl::activate(org_slot& slot, const std::string& org_id) {
  org_snapshot snapshot;
  try {
    readers->use([&](persistence::control_plane& db) {
      snapshot.environments = db.list_environments(org_id);
      snapshot.recurring_jobs = db.list_recurring_job_ids(org_id);
    });
  } catch (const std::exception& e) {
    log_line(log_level::error, "org " + org_id + ": cannot start its actor ("
                                 + e.what() + "); trying again at next use");
    return {};
  }
  if (!slot.recovered) {
    // Before its actor touches them. A failure leaves leftovers on disk
    // only: no run builds into an existing directory (generation_numbers).
    try {
      if (auto removed = remove_leftover_generations(snapshot.environments,
                                                     svc->layout))
        log_line("org " + org_id + ": " + std::to_string(removed)
                 + " leftover generation directorie(s) removed");
    } catch (const std::exception& e) {
      log_line(log_level::error, "org " + org_id
                                   + ": cannot remove leftover directories ("
                                   + e.what() + ")");
    }
    slot.recovered = true;
  }
  auto org = system.spawn(organization, org_id, std::move(snapshot), svc);
  slot.actor = org;
  caf::anon_send(supervisor, watch_atom::value, org_id, org);
  // Under the slot's mutex: shutdown() either sees this actor or has set
  // `closing` before we read it here.
  if (closing)
    caf::anon_send(org, shutdown_atom::value);
  return org;
}

// The writer first commits what is queued, so the snapshot includes every
// write the old actor asked for.
org_actor core::impl::replace_org(const std::string& org_id,
                                  const caf::error& why) {
  if (stopping)
    return {};
  auto slot = slot_of(org_id);
  if (!slot)
    return {};  // not an organization: nothing to replace
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
    std::lock_guard<std::mutex> lock{slot->mutex};
    slot->actor = org;
    if (closing)
      caf::anon_send(org, shutdown_atom::value);
  }
  // The scheduler held the old handle (or the activator's): its firings go
  // to the new actor from now on (a slot that fell in between was lost).
  caf::anon_send(svc->scheduler, register_atom::value, org_id,
                 fire_target{org});
  return org;
}

void core::impl::sweep_leftovers() {
  auto started = std::chrono::steady_clock::now();
  try {
    std::vector<persistence::environment_record> all;
    readers->use([&](persistence::control_plane& db) {
      all = db.list_environments();
    });
    std::set<int64_t> known;
    std::map<std::string, std::vector<persistence::environment_record>>
      by_org;
    for (auto& env : all) {
      known.insert(env.key);
      by_org[env.org_id].push_back(std::move(env));
    }
    size_t removed = 0;
    for (auto& [org_id, environments] : by_org) {
      if (stopping)
        return;
      auto slot = slot_of(org_id);
      if (!slot)
        continue;
      // The rows read above are still this organization's if its actor
      // never started: only its actor changes them.
      std::lock_guard<std::mutex> lock{slot->mutex};
      if (slot->recovered)
        continue;
      removed += remove_leftover_generations(environments, svc->layout);
      slot->recovered = true;
    }
    removed += remove_unknown_environment_dirs(
      known, report.last_environment_key, svc->layout);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
    log_line("start-up sweep: " + std::to_string(removed)
             + " leftover directorie(s) removed in "
             + std::to_string(took.count()) + " ms");
  } catch (const std::exception& e) {
    log_line(log_level::error,
             std::string{"start-up sweep stopped: "} + e.what());
  }
}

core::impl::~impl() {
  // No organization is replaced or started from here on: the supervisor
  // stops first (after any rebuild in progress), then the activator and
  // the sweep, then every actor.
  stopping = true;
  {
    caf::scoped_actor self{system};
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    self->wait_for(supervisor);
    self->send_exit(activator, caf::exit_reason::user_shutdown);
    self->wait_for(activator);
    self->wait_for(sweeper);
  }
  supervisor = org_supervisor_actor{};
  activator = fire_target{};
  sweeper = caf::actor{};
  svc->runs.clear();
  // Actors stop after their current message; detached tasks finish their
  // step. Anything unfinished is marked interrupted at the next start.
  for (auto& org : all_orgs())
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

std::vector<org_actor> core::impl::all_orgs() const {
  std::vector<std::shared_ptr<org_slot>> slots;
  {
    std::shared_lock<std::shared_mutex> lock{mutex};
    for (auto& [id, slot] : orgs)
      slots.push_back(slot);
  }
  std::vector<org_actor> result;
  for (auto& slot : slots) {
    std::lock_guard<std::mutex> lock{slot->mutex};
    if (slot->actor)
      result.push_back(slot->actor);
  }
  return result;
}

} // namespace downhill
