// The control plane: organizations, users, environments, jobs, runs, tasks
// and logs, in one SQLite database in WAL mode. Each statement lives here,
// behind an operation named for its intent, and is prepared once when the
// connection opens (control_plane.cpp's table). One connection writes (owned
// by the control-plane writer actor); readers use connections of their own,
// one caller at a time (core's reader pool).
#pragma once

#include "persistence/records.hpp"
#include "persistence/run_filter.hpp"
#include "persistence/sqlite.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace downhill::persistence {

class control_plane {
public:
  enum class access { writer, reader };

  control_plane(const std::filesystem::path& file, access mode);

  // -- organizations and users ----------------------------------------------
  std::vector<org_record> list_orgs();
  /// Creates the organization with its empty main environment (whose files
  /// the caller creates first, at generation 1 of the returned key).
  environment_record insert_org(const org_record& org, int64_t main_key);
  int64_t next_environment_key();
  void insert_user(const user_record& user, int64_t now);
  std::vector<user_record> list_users();
  bool user_exists(const std::string& org_id, const std::string& name);

  // -- environments ---------------------------------------------------------
  std::vector<environment_record> list_environments();
  /// One organization's environments (what its actor is built from).
  std::vector<environment_record> list_environments(const std::string& org_id);
  /// The highest environment key handed out so far: a directory with a
  /// higher key belongs to an environment created since.
  int64_t last_environment_key();
  void delete_environment(int64_t key);

  // -- jobs, runs, logs -----------------------------------------------------
  created_run insert_run(const new_run& run, int64_t now);
  void apply(const run_progress& progress);
  /// Runs `work`'s writes as one transaction: one commit, one fsync, for a
  /// whole batch (group commit). `durable` false commits without waiting
  /// for the disk (synchronous=NORMAL): a power cut may lose the batch,
  /// never the database's consistency, and the next durable commit syncs
  /// it too. Live progress needs no more; a switch, a run's end or a new
  /// run is durable. If `work` throws, nothing of the batch is written.
  void write_batch(const std::function<void()>& work, bool durable);
  std::optional<run_record> get_run(const std::string& org_id, int64_t id);
  /// One page of an organization's runs, newest first, with ids below
  /// `before`, holding only the runs that match `filter`.
  std::vector<run_record> list_runs(const std::string& org_id, int64_t before,
                                    int64_t limit,
                                    const run_filter& filter = {});
  std::vector<log_record> list_logs(int64_t run_id, int64_t after,
                                    int64_t limit);
  std::optional<job_record> get_job(const std::string& org_id, int64_t id);
  std::vector<job_record> list_jobs(const std::string& org_id);
  /// One page of an organization's jobs, newest first, with ids below
  /// `before_id`; only active or paused recurring ones if `recurring_only`.
  std::vector<job_record> list_jobs_page(const std::string& org_id,
                                         int64_t before_id, int64_t limit,
                                         bool recurring_only);

  // -- recurring jobs ---------------------------------------------------------
  /// A recurring job (it has no run yet); returns its id.
  int64_t insert_job(const job_record& job);
  void update_schedule_state(const schedule_state& state);
  /// Counts a firing that created no run, with its time and reason.
  void record_skipped_firing(const skipped_firing& skip);
  /// Every active or paused recurring job of every organization.
  std::vector<job_record> list_recurring_jobs();
  /// One organization's active or paused recurring jobs, their ids only.
  std::vector<int64_t> list_recurring_job_ids(const std::string& org_id);

  // -- recovery -------------------------------------------------------------
  /// Marks every run that was running or queued as interrupted, with an
  /// error log line saying why, and returns them.
  std::vector<interrupted_run> interrupt_unfinished_runs(int64_t now);
  /// The organization's runs that are queued or running, oldest first.
  std::vector<unfinished_run> unfinished_runs(const std::string& org_id);
  /// Deletes environments left `creating` by a dead process.
  std::vector<int64_t> delete_unfinished_environments();

private:
  database db_;
  statement_table statements_;  // after db_: finalized before it closes
};

} // namespace downhill::persistence
