// What core's parts share: the actor system, the services every actor uses,
// and the organization actors by id. Private to actors/core*.cpp.
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
#include <optional>
#include <shared_mutex>
#include <string>

namespace downhill {

struct core::impl {
  /// Recovers the data directory, then spawns the writer, the scheduler,
  /// the event hub, the supervisor and one actor per organization.
  explicit impl(const options& opts);
  /// Stops the supervisor first (no replacement from then on), then every
  /// actor.
  ~impl();

  /// Spawns an organization's actor, watched by the supervisor.
  org_actor start_org(const std::string& org_id, org_snapshot snapshot);

  /// The supervisor's rebuild of an organization whose actor stopped
  /// unexpectedly (runs on the supervisor's own thread: it may block).
  org_actor replace_org(const std::string& org_id, const caf::error& why);

  std::optional<org_actor> find_org(const std::string& org_id) const;

  /// Every organization's actor now.
  std::vector<org_actor> all_orgs() const;

  std::filesystem::path data_dir;
  services_ptr svc;
  caf::actor_system_config config;
  caf::actor_system system;
  recovery_report report;
  std::unique_ptr<reader_pool> readers;
  user_directory users;
  mutable std::shared_mutex mutex;  // guards orgs
  std::map<std::string, org_actor> orgs;
  std::atomic<uint64_t> next_subscription{1};
  org_supervisor_actor supervisor;
  std::atomic<bool> stopping{false};  // the destructor runs
};

} // namespace downhill
