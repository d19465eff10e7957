// The invariants checked once the load has stopped, reading the API and the
// real SQLite files (tests/support/store_inspector and direct read-only
// connections). Each check reports violations through the tally and counts
// what it checked.
#pragma once

#include "api_caller.hpp"
#include "org_workload.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace downhill::soak {

class final_checks {
public:
  final_checks(const api_caller& api,
               const std::vector<std::unique_ptr<org_workload>>& orgs)
    : api_(api), orgs_(orgs) {}

  /// No run stays `running` or `queued`: polls every organization's runs
  /// until none does, or `deadline` passes (then each one is a violation).
  void runs_end(std::chrono::seconds deadline, const std::string& when);
  /// Every environment's content database and search index open and pass
  /// `PRAGMA integrity_check`, and the index holds exactly the entries
  /// (id, title, body), except entries whose write was cut by a kill.
  void stores_consistent(const std::string& when);
  /// Syncs every edge of the tree in tree order with nothing else running
  /// and no writes; each must succeed. Returns the final runs' ids.
  void final_syncs();
  /// No environment `locked` or `creating`, in the API and the control plane.
  void environments_settled();
  /// After the final syncs every target holds its base's data: the same
  /// entries over the API, the same synced tables and index on disk.
  void targets_equal_bases();
  /// Each run's `total_logs` equals the log lines it serves (paged) and
  /// the lines stored in the control plane.
  void log_counts();
  /// The data directory holds only current generations.
  void no_leftover_generations();
  /// Every organization's recurring jobs fired at least once.
  void recurring_jobs_fired();

private:
  /// Every run of an organization, paging with `before`.
  std::vector<json> all_runs(const org_workload& org);
  std::vector<json> all_entries(const org_workload& org, const std::string& env);
  std::vector<std::string> environment_ids(const org_workload& org);

  const api_caller& api_;
  const std::vector<std::unique_ptr<org_workload>>& orgs_;
};

} // namespace downhill::soak
