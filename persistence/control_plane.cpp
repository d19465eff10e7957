#include "persistence/control_plane.hpp"

#include "persistence/single_value.hpp"

namespace downhill::persistence {

namespace {

// Forward migrations, applied in order; PRAGMA user_version counts the ones
// applied. Never edit a published step: append a new one.
const char* const migrations[] = {
  R"sql(
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE users (
  org_id TEXT NOT NULL REFERENCES orgs (id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, name));
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters VALUES ('environment_key', 0);
CREATE TABLE environments (
  key INTEGER PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id),
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  parent TEXT,
  status TEXT NOT NULL,
  generation INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, id));
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id),
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  base_environment TEXT NOT NULL,
  target_environment TEXT NOT NULL,
  display_name TEXT NOT NULL,
  schedule TEXT NOT NULL,
  state TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE INDEX jobs_by_org ON jobs (org_id, id);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs (id),
  org_id TEXT NOT NULL,
  status TEXT NOT NULL,
  trigger TEXT NOT NULL,
  created_by TEXT NOT NULL,
  total_logs INTEGER NOT NULL DEFAULT 0,
  total_errors INTEGER NOT NULL DEFAULT 0,
  total_warnings INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_by_org ON runs (org_id, id);
CREATE INDEX runs_by_job ON runs (job_id, id);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  phase TEXT NOT NULL,
  percent INTEGER NOT NULL);
CREATE INDEX tasks_by_run ON tasks (run_id, position);
CREATE TABLE logs (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  task TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
)sql",
  // 2: recurring jobs remember when they fire next and fired last.
  R"sql(
ALTER TABLE jobs ADD COLUMN next_run_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN last_fired_at INTEGER NOT NULL DEFAULT 0;
)sql",
  // 3: a firing skipped because the job's previous run still waits.
  R"sql(
ALTER TABLE jobs ADD COLUMN skipped_firings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN last_skipped_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN last_skip_reason TEXT NOT NULL DEFAULT '';
)sql",
  // 4: a scheduled run remembers the slot it was fired for.
  R"sql(
ALTER TABLE runs ADD COLUMN scheduled_at INTEGER NOT NULL DEFAULT 0;
)sql",
};

constexpr int64_t application_id = 0x64686370; // "dhcp"

// Column lists shared by several statements; macros so that each statement
// stays one string literal, joined by the compiler.
#define DOWNHILL_RUN_COLUMNS                                                  \
  "r.id, r.job_id, r.org_id, j.name, j.type, r.status, r.trigger, "           \
  "r.created_by, j.base_environment, j.target_environment, r.total_logs, "    \
  "r.total_errors, r.total_warnings, r.created_at, r.started_at, "            \
  "r.finished_at, r.scheduled_at"
#define DOWNHILL_TASK_COLUMNS "t.id, t.name, t.status, t.phase, t.percent"
// The runs list's filter on a run `r` of job `j`: ?4 status, ?5 job id,
// ?6 job name, ?7 base or target environment, ?8 trigger; NULL for any.
#define DOWNHILL_RUN_FILTER(r, j)                                             \
  "(?4 IS NULL OR " #r ".status = ?4) AND (?5 IS NULL OR " #r ".job_id = "    \
  "?5) AND (?6 IS NULL OR " #j ".name = ?6) AND (?7 IS NULL OR ?7 IN ("       \
  #j ".base_environment, " #j ".target_environment)) AND (?8 IS NULL OR "     \
  #r ".trigger = ?8)"
#define DOWNHILL_JOB_COLUMNS                                                  \
  "j.id, j.org_id, j.name, j.type, j.base_environment, "                      \
  "j.target_environment, j.display_name, j.schedule, j.state, "               \
  "j.created_by, j.created_at, "                                              \
  "(SELECT coalesce(max(id), 0) FROM runs WHERE job_id = j.id), "             \
  "j.next_run_at, j.last_fired_at, j.skipped_firings, j.last_skipped_at, "    \
  "j.last_skip_reason"

/// The control plane's statements, in the order of `control_plane_sql`:
/// the enum `sql` and the names its table is checked against are both made
/// from this one list.
#define DOWNHILL_CONTROL_PLANE_STATEMENTS(X)                                  \
  X(list_orgs)                                                                \
  X(next_environment_key)                                                     \
  X(insert_org)                                                               \
  X(insert_main_environment)                                                  \
  X(insert_user)                                                              \
  X(list_users)                                                               \
  X(user_exists)                                                              \
  X(list_environments)                                                        \
  X(delete_environment)                                                       \
  X(insert_new_environment)                                                   \
  X(insert_run)                                                               \
  X(insert_task)                                                              \
  X(next_log_seq)                                                             \
  X(insert_log)                                                               \
  X(count_logs)                                                               \
  X(set_task)                                                                 \
  X(set_run_status)                                                           \
  X(set_run_started)                                                          \
  X(set_run_finished)                                                         \
  X(set_generation)                                                           \
  X(set_environment_ready)                                                    \
  X(cancel_open_tasks)                                                        \
  X(get_run_with_tasks)                                                       \
  X(list_runs_with_tasks)                                                     \
  X(list_logs)                                                                \
  X(get_job)                                                                  \
  X(insert_job)                                                               \
  X(update_schedule_state)                                                    \
  X(record_skipped_firing)                                                    \
  X(unfinished_runs)                                                          \
  X(list_recurring_jobs)                                                      \
  X(list_jobs)                                                                \
  X(list_jobs_page)                                                           \
  X(list_recurring_jobs_page)                                                 \
  X(list_unfinished_run_ids)                                                  \
  X(list_creating_environments)                                               \
  X(list_org_environments)                                                    \
  X(list_org_recurring_job_ids)                                               \
  X(last_environment_key)

DOWNHILL_STATEMENT_NAMES(sql, control_plane_statement_names,
                         DOWNHILL_CONTROL_PLANE_STATEMENTS)

#undef DOWNHILL_CONTROL_PLANE_STATEMENTS

/// Every statement of the control plane, prepared once per connection.
/// A reader connection prepares only those that do not write.
const std::vector<named_sql>& control_plane_sql() {
  static constexpr named_sql rows[] = {
    {"list_orgs", "SELECT id, name, created_at FROM orgs ORDER BY id", false},
    // Keys are never reused, so a leftover directory of a deleted
    // environment can never be mistaken for a new one's.
    {"next_environment_key",
     "UPDATE counters SET value = value + 1 WHERE name = 'environment_key' "
     "RETURNING value",
     true},
    {"insert_org", "INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)",
     true},
    {"insert_main_environment",
     "INSERT INTO environments (key, org_id, id, display_name, parent, "
     "status, generation, created_at) VALUES (?, ?, 'main', 'main', NULL, "
     "'ready', 1, ?)",
     true},
    {"insert_user",
     "INSERT INTO users (org_id, name, token_hash, created_at) VALUES "
     "(?, ?, ?, ?)",
     true},
    {"list_users", "SELECT org_id, name, token_hash FROM users", false},
    {"user_exists", "SELECT 1 FROM users WHERE org_id = ? AND name = ?",
     false},
    {"list_environments",
     "SELECT key, org_id, id, display_name, coalesce(parent, ''), status, "
     "generation, created_at FROM environments ORDER BY key",
     false},
    {"delete_environment", "DELETE FROM environments WHERE key = ?", true},
    {"insert_new_environment",
     "INSERT INTO environments (key, org_id, id, display_name, parent, "
     "status, generation, created_at) VALUES (?, ?, ?, ?, ?, 'creating', 1, "
     "?)",
     true},
    {"insert_run",
     "INSERT INTO runs (job_id, org_id, status, trigger, created_by, "
     "created_at, started_at, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
     true},
    {"insert_task",
     "INSERT INTO tasks (run_id, position, name, status, phase, percent) "
     "VALUES (?, ?, ?, ?, '', 0)",
     true},
    {"next_log_seq",
     "SELECT coalesce(max(seq), 0) + 1 FROM logs WHERE run_id = ?", false},
    {"insert_log",
     "INSERT INTO logs (run_id, seq, task, level, message, at) VALUES "
     "(?, ?, ?, ?, ?, ?)",
     true},
    {"count_logs",
     "UPDATE runs SET total_logs = total_logs + ?, total_errors = "
     "total_errors + ?, total_warnings = total_warnings + ? WHERE id = ?",
     true},
    {"set_task",
     "UPDATE tasks SET status = ?, phase = ?, percent = ? WHERE id = ? AND "
     "run_id = ?",
     true},
    {"set_run_status", "UPDATE runs SET status = ? WHERE id = ?", true},
    {"set_run_started", "UPDATE runs SET started_at = ? WHERE id = ?", true},
    {"set_run_finished", "UPDATE runs SET finished_at = ? WHERE id = ?", true},
    {"set_generation", "UPDATE environments SET generation = ? WHERE key = ?",
     true},
    {"set_environment_ready",
     "UPDATE environments SET status = 'ready' WHERE key = ?", true},
    {"cancel_open_tasks",
     "UPDATE tasks SET status = 'cancelled' WHERE run_id = ? AND status IN "
     "('pending', 'running')",
     true},
    // A run and its tasks in one query (one row per task; task columns
    // NULL for a run without tasks), so they are one consistent snapshot.
    {"get_run_with_tasks",
     "SELECT " DOWNHILL_RUN_COLUMNS ", " DOWNHILL_TASK_COLUMNS
     " FROM runs r JOIN jobs j ON j.id = r.job_id LEFT JOIN tasks t ON "
     "t.run_id = r.id WHERE r.id = ? AND r.org_id = ? ORDER BY t.position",
     false},
    // A page of runs and all their tasks in one query, not one more query
    // per run. The page is the organization's ids in [its lowest, ?2) that
    // match the filter (?4..?8, NULL: any): as a range on runs_by_org, read
    // backwards, and tasks_by_run, the rows come in order with no sort and
    // no copy of the page (a LIMIT subquery joined instead costs both:
    // bench/persistence_bench). The page's lowest id is found the same
    // way, stopping at the ?3-th match; CROSS JOIN keeps runs the outer
    // loop there, so it never sorts the organization's jobs' runs.
    {"list_runs_with_tasks",
     "SELECT " DOWNHILL_RUN_COLUMNS ", " DOWNHILL_TASK_COLUMNS
     " FROM runs r JOIN jobs j ON j.id = r.job_id LEFT JOIN tasks t ON "
     "t.run_id = r.id WHERE r.org_id = ?1 AND r.id < ?2 AND "
     DOWNHILL_RUN_FILTER(r, j) " AND r.id >= (SELECT min(id) FROM "
     "(SELECT f.id FROM runs f CROSS JOIN jobs fj ON fj.id = f.job_id WHERE "
     "f.org_id = ?1 AND f.id < ?2 AND " DOWNHILL_RUN_FILTER(f, fj)
     " ORDER BY f.id DESC LIMIT ?3)) ORDER BY r.id DESC, t.position",
     false},
    {"list_logs",
     "SELECT seq, task, level, message, at FROM logs WHERE run_id = ? AND "
     "seq > ? ORDER BY seq LIMIT ?",
     false},
    {"get_job",
     "SELECT " DOWNHILL_JOB_COLUMNS " FROM jobs j WHERE j.id = ? AND "
     "j.org_id = ?",
     false},
    {"insert_job",
     "INSERT INTO jobs (org_id, name, type, base_environment, "
     "target_environment, display_name, schedule, state, created_by, "
     "created_at, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
     true},
    {"update_schedule_state",
     "UPDATE jobs SET state = ?, next_run_at = ?, last_fired_at = "
     "max(last_fired_at, ?) WHERE id = ?",
     true},
    {"record_skipped_firing",
     "UPDATE jobs SET skipped_firings = skipped_firings + ?, last_skipped_at "
     "= ?, last_skip_reason = ? WHERE id = ?",
     true},
    {"unfinished_runs",
     "SELECT r.id, r.status, j.type, j.base_environment, "
     "j.target_environment FROM runs r JOIN jobs j ON j.id = r.job_id WHERE "
     "r.status IN ('running', 'queued') AND r.org_id = ? ORDER BY r.id",
     false},
    {"list_recurring_jobs",
     "SELECT " DOWNHILL_JOB_COLUMNS " FROM jobs j WHERE j.state IN "
     "('active', 'paused') ORDER BY j.id",
     false},
    {"list_jobs",
     "SELECT " DOWNHILL_JOB_COLUMNS " FROM jobs j WHERE j.org_id = ? AND "
     "j.state != 'deleted' ORDER BY j.id DESC",
     false},
    {"list_jobs_page",
     "SELECT " DOWNHILL_JOB_COLUMNS " FROM jobs j WHERE j.org_id = ? AND "
     "j.id < ? AND j.state != 'deleted' ORDER BY j.id DESC LIMIT ?",
     false},
    {"list_recurring_jobs_page",
     "SELECT " DOWNHILL_JOB_COLUMNS " FROM jobs j WHERE j.org_id = ? AND "
     "j.id < ? AND j.state IN ('active', 'paused') ORDER BY j.id DESC "
     "LIMIT ?",
     false},
    {"list_unfinished_run_ids",
     "SELECT id, org_id FROM runs WHERE status IN ('running', 'queued')",
     false},
    {"list_creating_environments",
     "SELECT key FROM environments WHERE status = 'creating'", false},
    {"list_org_environments",
     "SELECT key, org_id, id, display_name, coalesce(parent, ''), status, "
     "generation, created_at FROM environments WHERE org_id = ? ORDER BY key",
     false},
    {"list_org_recurring_job_ids",
     "SELECT id FROM jobs WHERE org_id = ? AND state IN ('active', 'paused') "
     "ORDER BY id",
     false},
    {"last_environment_key",
     "SELECT value FROM counters WHERE name = 'environment_key'", false},
  };
  static_assert(rows_match_names(rows, control_plane_statement_names),
                "one row per name of sql, in its order");
  static const std::vector<named_sql> table(std::begin(rows), std::end(rows));
  return table;
}

#undef DOWNHILL_RUN_COLUMNS
#undef DOWNHILL_TASK_COLUMNS
#undef DOWNHILL_RUN_FILTER
#undef DOWNHILL_JOB_COLUMNS

/// A state name no table row holds (written by a newer version, or
/// damaged) fails the read with a storage error naming it, instead of
/// showing or acting on a guess: the request that read it answers
/// `internal`, and start-up stops with the message.
[[noreturn]] void unknown_state(const char* column, const std::string& name) {
  throw storage_error(11 /* SQLITE_CORRUPT */,
                      std::string{"unknown "} + column + " '" + name
                        + "' in the control plane");
}

/// The state named in `column`, through its table's parser; unknown_state
/// (naming `what`) if the table has no such name.
template <class State>
State read_state(statement& s, int column, const char* what,
                 std::optional<State> (*parse)(std::string_view)) {
  auto name = s.text_column(column);
  auto state = parse(name);
  if (!state)
    unknown_state(what, name);
  return *state;
}

run_status read_run_status(statement& s, int column) {
  return read_state(s, column, "runs.status", run_status_from_string);
}

task_status read_task_status(statement& s, int column) {
  return read_state(s, column, "tasks.status", task_status_from_string);
}

/// Only ready and creating are stored; locked is shown, never written.
environment_status read_environment_status(statement& s, int column) {
  auto status = read_state(s, column, "environments.status",
                           environment_status_from_string);
  if (status == environment_status::locked)
    unknown_state("environments.status", s.text_column(column));
  return status;
}

job_type read_job_type(statement& s, int column) {
  return read_state(s, column, "jobs.type", job_type_from_string);
}

job_state read_job_state(statement& s, int column) {
  return read_state(s, column, "jobs.state", job_state_from_string);
}

run_log_level read_log_level(statement& s, int column) {
  return read_state(s, column, "logs.level", run_log_level_from_string);
}

job_record read_job(statement& s) {
  job_record j;
  j.id = s.int_column(0);
  j.org_id = s.text_column(1);
  j.name = s.text_column(2);
  j.type = read_job_type(s, 3);
  j.base_environment = s.text_column(4);
  j.target_environment = s.text_column(5);
  j.display_name = s.text_column(6);
  j.schedule_json = s.text_column(7);
  j.state = read_job_state(s, 8);
  j.created_by = s.text_column(9);
  j.created_at = s.int_column(10);
  j.latest_run_id = s.int_column(11);
  j.next_run_at = s.int_column(12);
  j.last_fired_at = s.int_column(13);
  j.skipped_firings = s.int_column(14);
  j.last_skipped_at = s.int_column(15);
  j.last_skip_reason = s.text_column(16);
  return j;
}

environment_record read_environment(statement& s) {
  return {s.int_column(0),  s.text_column(1),
          s.text_column(2), s.text_column(3),
          s.text_column(4), read_environment_status(s, 5),
          s.int_column(6),  s.int_column(7)};
}

run_record read_run(statement& s) {
  run_record r;
  r.id = s.int_column(0);
  r.job_id = s.int_column(1);
  r.org_id = s.text_column(2);
  r.name = s.text_column(3);
  r.type = read_job_type(s, 4);
  r.status = read_run_status(s, 5);
  r.trigger = s.text_column(6);
  r.created_by = s.text_column(7);
  r.base_environment = s.text_column(8);
  r.target_environment = s.text_column(9);
  r.total_logs = s.int_column(10);
  r.total_errors = s.int_column(11);
  r.total_warnings = s.int_column(12);
  r.created_at = s.int_column(13);
  r.started_at = s.int_column(14);
  r.finished_at = s.int_column(15);
  r.scheduled_at = s.int_column(16);
  return r;
}

constexpr int first_task_column = 17;

/// Runs with their tasks from the rows of a runs-with-tasks statement:
/// consecutive rows of one run carry its tasks in order.
std::vector<run_record> read_runs_with_tasks(statement& s) {
  std::vector<run_record> result;
  while (s.step()) {
    if (result.empty() || result.back().id != s.int_column(0))
      result.push_back(read_run(s));
    constexpr int t = first_task_column;
    if (!s.is_null(t))
      result.back().tasks.push_back({s.int_column(t), s.text_column(t + 1),
                                     read_task_status(s, t + 2),
                                     s.text_column(t + 3),
                                     s.int_column(t + 4)});
  }
  return result;
}

void migrate(database& db) {
  auto id = single_int(db, "PRAGMA application_id");
  auto version = single_int(db, "PRAGMA user_version");
  if (id != 0 && id != application_id)
    throw storage_error(26 /* SQLITE_NOTADB */,
                        db.path().string()
                          + " is not a downhill control-plane database");
  constexpr int64_t latest = sizeof(migrations) / sizeof(migrations[0]);
  if (version > latest)
    throw storage_error(26, db.path().string() + " has schema version "
                              + std::to_string(version)
                              + ", newer than this downhill knows ("
                              + std::to_string(latest) + ")");
  for (; version < latest; ++version) {
    transaction tx{db};
    db.exec(migrations[version]);
    db.exec("PRAGMA application_id = " + std::to_string(application_id));
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

/// Sets up a fresh connection (the writer migrates the schema first), so
/// that the statements prepared next find every table they name.
database& set_up(database& db, control_plane::access mode) {
  if (mode == control_plane::access::writer) {
    // FULL: a committed switch, run status or new run survives power loss
    // too. Live progress is written in batches without the fsync
    // (write_batch), and the next FULL commit syncs it.
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON;");
    migrate(db);
  } else {
    db.exec("PRAGMA query_only=ON");
  }
  return db;
}

} // namespace

control_plane::control_plane(const std::filesystem::path& file, access mode)
  : db_(file, mode == access::writer ? database::mode::read_write_create
                                     : database::mode::read_write),
    statements_(set_up(db_, mode), control_plane_sql(),
                mode == access::reader) {
}

// -- organizations and users --------------------------------------------------

std::vector<org_record> control_plane::list_orgs() {
  statement_use list{statements_[sql::list_orgs]};
  std::vector<org_record> result;
  while (list->step())
    result.push_back({list->text_column(0), list->text_column(1),
                      list->int_column(2)});
  return result;
}

int64_t control_plane::next_environment_key() {
  statement_use next{statements_[sql::next_environment_key]};
  next->step();
  return next->int_column(0);
}

environment_record control_plane::insert_org(const org_record& org,
                                             int64_t main_key) {
  transaction tx{db_};
  {
    statement_use add{statements_[sql::insert_org]};
    add->bind(1, org.id).bind(2, org.name).bind(3, org.created_at).run();
  }
  environment_record main_env{main_key, org.id, "main", "main", "",
                              environment_status::ready, 1,
                              org.created_at};
  {
    statement_use add{statements_[sql::insert_main_environment]};
    add->bind(1, main_key).bind(2, org.id).bind(3, org.created_at).run();
  }
  tx.commit();
  return main_env;
}

void control_plane::insert_user(const user_record& user, int64_t now) {
  statement_use add{statements_[sql::insert_user]};
  add->bind(1, user.org_id).bind(2, user.name).bind(3, user.token_hash);
  add->bind(4, now).run();
}

std::vector<user_record> control_plane::list_users() {
  statement_use list{statements_[sql::list_users]};
  std::vector<user_record> result;
  while (list->step())
    result.push_back({list->text_column(0), list->text_column(1),
                      list->text_column(2)});
  return result;
}

bool control_plane::user_exists(const std::string& org_id,
                                const std::string& name) {
  statement_use find{statements_[sql::user_exists]};
  find->bind(1, org_id).bind(2, name);
  return find->step();
}

// -- environments ---------------------------------------------------------------

std::vector<environment_record> control_plane::list_environments() {
  statement_use list{statements_[sql::list_environments]};
  std::vector<environment_record> result;
  while (list->step())
    result.push_back(read_environment(*list));
  return result;
}

std::vector<environment_record>
control_plane::list_environments(const std::string& org_id) {
  statement_use list{statements_[sql::list_org_environments]};
  list->bind(1, org_id);
  std::vector<environment_record> result;
  while (list->step())
    result.push_back(read_environment(*list));
  return result;
}

int64_t control_plane::last_environment_key() {
  statement_use last{statements_[sql::last_environment_key]};
  return last->step() ? last->int_column(0) : 0;
}

void control_plane::delete_environment(int64_t key) {
  statement_use del{statements_[sql::delete_environment]};
  del->bind(1, key).run();
}

// -- jobs, runs, logs -----------------------------------------------------------

created_run control_plane::insert_run(const new_run& run, int64_t now) {
  created_run created;
  created.created_at = run.created_at != 0 ? run.created_at : now;
  created.scheduled_at = run.scheduled_at;
  transaction tx{db_};
  if (run.creates_environment) {
    auto& env = run.new_environment;
    created.new_environment_key = next_environment_key();
    statement_use add{statements_[sql::insert_new_environment]};
    add->bind(1, created.new_environment_key).bind(2, env.org_id);
    add->bind(3, env.id).bind(4, env.display_name).bind(5, env.parent);
    add->bind(6, now).run();
  }
  created.job_id = run.job.id;
  if (created.job_id == 0) {
    auto job = run.job;
    job.created_at = now;
    created.job_id = insert_job(job);
  }
  {
    statement_use add{statements_[sql::insert_run]};
    add->bind(1, created.job_id).bind(2, run.job.org_id);
    add->bind(3, to_string(run.status));
    add->bind(4, run.trigger).bind(5, run.created_by);
    add->bind(6, created.created_at);
    add->bind(7, run.status == run_status::running ? now : int64_t{0});
    add->bind(8, run.scheduled_at).run();
    created.run_id = db_.last_insert_rowid();
  }
  int64_t position = 0;
  for (auto& name : run.task_names) {
    statement_use add{statements_[sql::insert_task]};
    add->bind(1, created.run_id).bind(2, position++).bind(3, name);
    add->bind(4, to_string(run.status == run_status::running
                             ? task_status::running
                             : task_status::pending)).run();
    created.task_ids.push_back(db_.last_insert_rowid());
  }
  tx.commit();
  return created;
}

void control_plane::write_batch(const std::function<void()>& work,
                                bool durable) {
  // A connection setting, outside any transaction: set for this batch,
  // then back to FULL, which every other write of the writer relies on.
  if (!durable)
    db_.exec("PRAGMA synchronous=NORMAL");
  struct back_to_full {
    database& db;
    bool restore;
    ~back_to_full() {
      if (restore)
        try {
          db.exec("PRAGMA synchronous=FULL");
        } catch (...) {
          // Only fails on a broken connection, which every later write
          // reports.
        }
    }
  } restore{db_, !durable};
  transaction tx{db_};
  work();
  tx.commit();
}

void control_plane::apply(const run_progress& p) {
  transaction tx{db_};
  int64_t errors = 0;
  int64_t warnings = 0;
  for (auto& log : p.logs) {
    auto seq = log.seq;
    if (seq == 0) {
      // A line from outside the run actor (recovery, a crashed run): after
      // everything the run wrote.
      statement_use last{statements_[sql::next_log_seq]};
      last->bind(1, p.run_id);
      last->step();
      seq = last->int_column(0);
    }
    statement_use add{statements_[sql::insert_log]};
    add->bind(1, p.run_id).bind(2, seq).bind(3, log.task);
    add->bind(4, to_string(log.level)).bind(5, log.message);
    add->bind(6, log.at).run();
    errors += log.level == run_log_level::error;
    warnings += log.level == run_log_level::warning;
  }
  if (!p.logs.empty()) {
    statement_use count{statements_[sql::count_logs]};
    count->bind(1, static_cast<int64_t>(p.logs.size())).bind(2, errors);
    count->bind(3, warnings).bind(4, p.run_id).run();
  }
  for (auto& task : p.tasks) {
    statement_use set{statements_[sql::set_task]};
    set->bind(1, to_string(task.status)).bind(2, task.phase);
    set->bind(3, task.percent);
    set->bind(4, task.id).bind(5, p.run_id).run();
  }
  if (p.status) {
    statement_use set{statements_[sql::set_run_status]};
    set->bind(1, to_string(*p.status)).bind(2, p.run_id).run();
  }
  if (p.started_at != 0) {
    statement_use set{statements_[sql::set_run_started]};
    set->bind(1, p.started_at).bind(2, p.run_id).run();
  }
  if (p.finished_at != 0) {
    statement_use set{statements_[sql::set_run_finished]};
    set->bind(1, p.finished_at).bind(2, p.run_id).run();
  }
  if (p.environment_key != 0 && p.switch_generation != 0) {
    // The switch: from this commit on, the environment's data is the new
    // generation. Before it, the old one. There is no state in between.
    statement_use set{statements_[sql::set_generation]};
    set->bind(1, p.switch_generation).bind(2, p.environment_key).run();
    if (p.mark_environment_ready) {
      statement_use ready{statements_[sql::set_environment_ready]};
      ready->bind(1, p.environment_key).run();
    }
  }
  if (p.environment_key != 0 && p.delete_environment)
    delete_environment(p.environment_key);
  if (p.close_open_tasks) {
    statement_use close{statements_[sql::cancel_open_tasks]};
    close->bind(1, p.run_id).run();
  }
  tx.commit();
}

std::optional<run_record> control_plane::get_run(const std::string& org_id,
                                                 int64_t id) {
  statement_use get{statements_[sql::get_run_with_tasks]};
  get->bind(1, id).bind(2, org_id);
  auto runs = read_runs_with_tasks(*get);
  if (runs.empty())
    return std::nullopt;
  return std::move(runs.front());
}

std::vector<run_record> control_plane::list_runs(const std::string& org_id,
                                                 int64_t before,
                                                 int64_t limit,
                                                 const run_filter& filter) {
  statement_use list{statements_[sql::list_runs_with_tasks]};
  list->bind(1, org_id).bind(2, before).bind(3, limit);
  // Unbound parameters are NULL (statement_use clears them after each
  // use): a field left unset matches any run.
  if (filter.status)
    list->bind(4, to_string(*filter.status));
  if (filter.job_id != 0)
    list->bind(5, filter.job_id);
  if (!filter.name.empty())
    list->bind(6, filter.name);
  if (!filter.environment.empty())
    list->bind(7, filter.environment);
  if (!filter.trigger.empty())
    list->bind(8, filter.trigger);
  return read_runs_with_tasks(*list);
}

std::vector<log_record> control_plane::list_logs(int64_t run_id, int64_t after,
                                                 int64_t limit) {
  statement_use list{statements_[sql::list_logs]};
  list->bind(1, run_id).bind(2, after).bind(3, limit);
  std::vector<log_record> result;
  while (list->step())
    result.push_back({list->int_column(0), list->text_column(1),
                      read_log_level(*list, 2), list->text_column(3),
                      list->int_column(4)});
  return result;
}

std::optional<job_record> control_plane::get_job(const std::string& org_id,
                                                 int64_t id) {
  statement_use get{statements_[sql::get_job]};
  get->bind(1, id).bind(2, org_id);
  if (!get->step())
    return std::nullopt;
  auto job = read_job(*get);
  if (job.state == job_state::deleted)
    return std::nullopt;
  return job;
}

int64_t control_plane::insert_job(const job_record& j) {
  statement_use add{statements_[sql::insert_job]};
  add->bind(1, j.org_id).bind(2, j.name).bind(3, to_string(j.type));
  add->bind(4, j.base_environment).bind(5, j.target_environment);
  add->bind(6, j.display_name).bind(7, j.schedule_json);
  add->bind(8, to_string(j.state));
  add->bind(9, j.created_by).bind(10, j.created_at).bind(11, j.next_run_at);
  add->run();
  return db_.last_insert_rowid();
}

void control_plane::update_schedule_state(const schedule_state& s) {
  statement_use set{statements_[sql::update_schedule_state]};
  set->bind(1, to_string(s.state)).bind(2, s.next_run_at);
  set->bind(3, s.last_fired_at);
  set->bind(4, s.job_id).run();
}

void control_plane::record_skipped_firing(const skipped_firing& skip) {
  statement_use set{statements_[sql::record_skipped_firing]};
  set->bind(1, skip.count).bind(2, skip.at).bind(3, skip.reason);
  set->bind(4, skip.job_id).run();
}

std::vector<unfinished_run>
control_plane::unfinished_runs(const std::string& org_id) {
  statement_use list{statements_[sql::unfinished_runs]};
  list->bind(1, org_id);
  std::vector<unfinished_run> result;
  while (list->step())
    result.push_back({list->int_column(0), read_run_status(*list, 1),
                      read_job_type(*list, 2), list->text_column(3),
                      list->text_column(4)});
  return result;
}

std::vector<job_record> control_plane::list_recurring_jobs() {
  statement_use list{statements_[sql::list_recurring_jobs]};
  std::vector<job_record> result;
  while (list->step())
    result.push_back(read_job(*list));
  return result;
}

std::vector<int64_t>
control_plane::list_recurring_job_ids(const std::string& org_id) {
  statement_use list{statements_[sql::list_org_recurring_job_ids]};
  list->bind(1, org_id);
  std::vector<int64_t> result;
  while (list->step())
    result.push_back(list->int_column(0));
  return result;
}

std::vector<job_record> control_plane::list_jobs(const std::string& org_id) {
  statement_use list{statements_[sql::list_jobs]};
  list->bind(1, org_id);
  std::vector<job_record> result;
  while (list->step())
    result.push_back(read_job(*list));
  return result;
}

std::vector<job_record> control_plane::list_jobs_page(const std::string& org_id,
                                                      int64_t before_id,
                                                      int64_t limit,
                                                      bool recurring_only) {
  statement_use list{statements_[recurring_only
                                   ? sql::list_recurring_jobs_page
                                   : sql::list_jobs_page]};
  list->bind(1, org_id).bind(2, before_id).bind(3, limit);
  std::vector<job_record> result;
  while (list->step())
    result.push_back(read_job(*list));
  return result;
}

// -- recovery ---------------------------------------------------------------------

std::vector<interrupted_run>
control_plane::interrupt_unfinished_runs(int64_t now) {
  std::vector<interrupted_run> result;
  {
    statement_use list{statements_[sql::list_unfinished_run_ids]};
    while (list->step())
      result.push_back({list->int_column(0), list->text_column(1)});
  }
  for (auto& run : result) {
    run_progress p;
    p.run_id = run.run_id;
    p.status = run_status::interrupted;
    p.finished_at = now;
    p.logs.push_back({0, "", run_log_level::error,
                      "The server stopped while this run was in progress. "
                      "Nothing of it was applied: the target environment "
                      "keeps its previous data (a new environment is not "
                      "created).",
                      now});
    p.close_open_tasks = true;
    apply(p);
  }
  return result;
}

std::vector<int64_t> control_plane::delete_unfinished_environments() {
  std::vector<int64_t> keys;
  {
    statement_use list{statements_[sql::list_creating_environments]};
    while (list->step())
      keys.push_back(list->int_column(0));
  }
  for (auto key : keys)
    delete_environment(key);
  return keys;
}

} // namespace downhill::persistence
