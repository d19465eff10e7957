// What core's parts share: the actor system, the services every actor uses,
// and the organizations by id, each with its actor once it is live.
// Private to actors/core*.cpp.
#pragma once

#include "actors/core.hpp"
#include "actors/interfaces.hpp"
#include "actors/reader_pool.hpp"
#include "actors/services.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace downhill {

/// One organization as core knows it. Its actor starts at its first use
/// (a request, a firing), not at start-up: an organization nobody uses
/// costs this slot only.
struct org_slot {
  /// Held while the actor is started or replaced: two first uses at once
  /// start one actor, and the second use gets it.
  std::mutex mutex;
  org_actor actor;  // invalid until the first use
  /// Leftover generation directories of a dead process are removed (by
  /// the first use or the background sweep, whichever comes first).
  bool recovered = false;
};

struct core::impl {
  /// Recovers the control plane, then spawns the writer, the scheduler
  /// (every recurring job in one message), the event hub, the supervisor
  /// and the sweep of leftover directories. No organization's actor yet.
  explicit impl(const options& opts);
  /// Stops the supervisor first (no replacement from then on), the sweep
  /// and the activator (no new org actor), then every actor.
  ~impl();

  /// A new organization (just created, nothing to recover): idle until its
  /// first use.
  void add_org(const std::string& org_id);

  bool knows_org(const std::string& org_id) const;

  /// The organization's live actor, started now if it is not yet (blocks:
  /// call from the HTTP pool or a detached actor). nullopt: no such
  /// organization. An invalid handle: it could not be started (logged).
  std::optional<org_actor> find_org(const std::string& org_id);

  /// The supervisor's rebuild of an organization whose actor stopped
  /// unexpectedly (runs on the supervisor's own thread: it may block).
  org_actor replace_org(const std::string& org_id, const caf::error& why);

  /// Every live organization actor now.
  std::vector<org_actor> all_orgs() const;

  /// The background sweep: removes the leftovers of every organization not
  /// used yet, then the directories no environment owns.
  void sweep_leftovers();

  std::filesystem::path data_dir;
  services_ptr svc;
  caf::actor_system_config config;
  caf::actor_system system;
  recovery_report report;
  std::unique_ptr<reader_pool> readers;
  user_directory users;
  mutable std::shared_mutex mutex;  // guards orgs (the map, not the slots)
  std::map<std::string, std::shared_ptr<org_slot>> orgs;
  std::atomic<uint64_t> next_subscription{1};
  org_supervisor_actor supervisor;
  fire_target activator;
  caf::actor sweeper;
  std::atomic<bool> stopping{false};  // the destructor runs
  std::atomic<bool> closing{false};   // shutdown(): new actors close at once

private:
  std::shared_ptr<org_slot> slot_of(const std::string& org_id) const;
  /// Starts the slot's actor (its mutex held).
  org_actor activate(org_slot& slot, const std::string& org_id);
};

} // namespace downhill
