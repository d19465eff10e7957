// One organization's life during the soak: set-up (its user, seed content,
// a tree of environments made by Create Environment jobs, recurring syncs),
// then a loop of what its users do (content writes and reads, searches,
// manual syncs, cancels, short-lived environments), then quiescing (no more
// recurring jobs) before the final checks.
#pragma once

#include "api_caller.hpp"

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace downhill::soak {

/// A sync edge of the organization's tree, parent first.
struct sync_edge {
  std::string base;
  std::string target;
};

/// main -> dev -> feature, main -> qa; in tree order, so syncing them in
/// this order leaves every target equal to main's data.
const std::vector<sync_edge>& environment_tree();

class org_workload {
public:
  org_workload(const api_caller& api, int index, unsigned seed);

  /// Creates the organization and its user, seeds `main`, creates the tree
  /// with Create Environment jobs and registers the recurring syncs.
  /// Throws if the server does not let it.
  void set_up(int recurring_every_seconds);
  /// The users' loop, until `stop`.
  void run(const std::atomic<bool>& stop);
  /// Deletes the recurring jobs so no new work arrives.
  void quiesce();

  const std::string& org() const { return org_; }
  const std::string& token() const { return token_; }
  std::string org_path() const { return "/api/v1/orgs/" + org_; }
  std::string env_path(const std::string& env) const {
    return org_path() + "/environments/" + env;
  }
  /// Entry ids whose write got no answer (the server died under it): their
  /// search document may legitimately be missing or stale (guarantees.md,
  /// "What a crash can lose").
  std::set<std::string> uncertain_entries() const;

private:
  void write_entry(const std::string& env, const std::string& id);
  void read_something();
  void search();
  void submit_manual_sync();
  void read_runs();
  void cancel_latest();
  void scratch_environment();
  void put_settings();
  void add_webhook();
  /// Submits a Create and polls it to its end (set-up only).
  void create_and_wait(const std::string& base, const std::string& alias);
  std::string words(size_t bytes);
  std::string random_env(bool with_main);
  std::string org_label() const { return "org " + org_ + ": "; }

  const api_caller& api_;
  std::string org_;
  std::string token_;
  std::mt19937 rng_;
  std::vector<std::string> recurring_job_ids_;
  int scratch_counter_ = 0;
  std::string scratch_;  // the short-lived environment, if one was asked for
  mutable std::mutex uncertain_mutex_;
  std::set<std::string> uncertain_;
};

} // namespace downhill::soak
