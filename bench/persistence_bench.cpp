// Times the control plane's and content store's reads on real SQLite files
// (no server): a page of runs with their tasks, read as today (one query)
// next to the N+1 reading it replaced (one query for the runs, then one per
// run for its tasks), and one hot statement used from its prepared table
// next to preparing it per call and to the string-keyed cache it replaced.
// Both sides run in the same process on the same files; the output of each
// pair is compared, and the numbers are printed, never asserted.
//
//   persistence_bench [RUNS=500] [TASKS_PER_RUN=2] [REPEATS=200]
#include "persistence/content_store.hpp"
#include "persistence/control_plane.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace downhill::persistence;
namespace fs = std::filesystem;
using bench_clock = std::chrono::steady_clock;

namespace {

struct scratch {
  scratch() {
    std::string pattern = (fs::temp_directory_path() / "dh-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr)
      std::abort();
    path = pattern;
  }
  ~scratch() { fs::remove_all(path); }
  fs::path path;
};

double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/// Medians of `repeats` runs of `f`, in microseconds: wall time, and this
/// thread's CPU time (steadier on a shared machine).
struct timing {
  double wall_us;
  double cpu_us;
};

template <class F>
timing median_us(int repeats, F f) {
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int i = 0; i < repeats; ++i) {
    auto start = bench_clock::now();
    auto cpu_start = thread_cpu_us();
    f();
    cpu.push_back(thread_cpu_us() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::micro>(bench_clock::now()
                                                             - start)
                     .count());
  }
  auto median = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  return {median(wall), median(cpu)};
}

// -- the baseline: statements as they were before (commit 6338563) ----------

/// The old database::cached: a statement prepared on first use, found again
/// by its SQL text, which each call builds.
class string_keyed_cache {
public:
  explicit string_keyed_cache(database& db) : db_(db) {}
  statement& get(const std::string& sql) {
    auto i = cache_.find(sql);
    if (i == cache_.end())
      i = cache_.emplace(sql, std::make_unique<statement>(db_.prepare(sql)))
            .first;
    return *i->second;
  }

private:
  database& db_;
  std::map<std::string, std::unique_ptr<statement>> cache_;
};

constexpr const char* run_columns
  = "r.id, r.job_id, r.org_id, j.name, j.type, r.status, r.trigger, "
    "r.created_by, j.base_environment, j.target_environment, r.total_logs, "
    "r.total_errors, r.total_warnings, r.created_at, r.started_at, "
    "r.finished_at";

run_record read_run(statement& s) {
  run_record r;
  r.id = s.int_column(0);
  r.job_id = s.int_column(1);
  r.org_id = s.text_column(2);
  r.name = s.text_column(3);
  r.type = job_type_from_string(s.text_column(4)).value();
  r.status = run_status_from_string(s.text_column(5)).value();
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
  return r;
}

/// list_runs as it was: the page, then one query per run for its tasks.
std::vector<run_record> list_runs_n_plus_1(string_keyed_cache& cache,
                                           const std::string& org_id,
                                           int64_t before, int64_t limit) {
  std::vector<run_record> result;
  {
    auto& list = cache.get(std::string{"SELECT "} + run_columns
                           + " FROM runs r JOIN jobs j ON j.id = r.job_id "
                             "WHERE r.org_id = ? AND r.id < ? ORDER BY "
                             "r.id DESC LIMIT ?");
    list.bind(1, org_id).bind(2, before).bind(3, limit);
    while (list.step())
      result.push_back(read_run(list));
    list.reset();
  }
  for (auto& run : result) {
    auto& tasks = cache.get("SELECT id, name, status, phase, percent FROM "
                            "tasks WHERE run_id = ? ORDER BY position");
    tasks.bind(1, run.id);
    while (tasks.step())
      run.tasks.push_back({tasks.int_column(0), tasks.text_column(1),
                           task_status_from_string(tasks.text_column(2))
                             .value(),
                           tasks.text_column(3),
                           tasks.int_column(4)});
    tasks.reset();
  }
  return result;
}

/// The one-query page first tried: the page as a LIMIT subquery, joined
/// with jobs and tasks. SQLite copies the page out and sorts the rows.
std::vector<run_record> list_runs_subquery(statement& list,
                                           const std::string& org_id,
                                           int64_t before, int64_t limit) {
  list.bind(1, org_id).bind(2, before).bind(3, limit);
  std::vector<run_record> result;
  while (list.step()) {
    if (result.empty() || result.back().id != list.int_column(0))
      result.push_back(read_run(list));
    if (!list.is_null(16))
      result.back().tasks.push_back({list.int_column(16), list.text_column(17),
                                     task_status_from_string(
                                       list.text_column(18)).value(),
                                     list.text_column(19),
                                     list.int_column(20)});
  }
  list.reset();
  return result;
}

bool same_runs(const std::vector<run_record>& a,
               const std::vector<run_record>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto& x = a[i];
    auto& y = b[i];
    if (x.id != y.id || x.name != y.name || x.status != y.status
        || x.total_logs != y.total_logs || x.started_at != y.started_at
        || x.target_environment != y.target_environment
        || x.tasks.size() != y.tasks.size())
      return false;
    for (size_t t = 0; t < x.tasks.size(); ++t)
      if (x.tasks[t].id != y.tasks[t].id || x.tasks[t].name != y.tasks[t].name
          || x.tasks[t].status != y.tasks[t].status
          || x.tasks[t].phase != y.tasks[t].phase
          || x.tasks[t].percent != y.tasks[t].percent)
        return false;
  }
  return true;
}

void fill_control_plane(const fs::path& file, int runs, int tasks_per_run) {
  control_plane db{file, control_plane::access::writer};
  db.insert_org({"acme", "acme", 1}, db.next_environment_key());
  db.insert_org({"globex", "globex", 1}, db.next_environment_key());
  for (int i = 0; i < runs * 2; ++i) {
    // Every other run is another organization's, as on a shared server.
    new_run run;
    run.job.org_id = i % 2 ? "globex" : "acme";
    run.job.name = "nightly";
    run.job.type = job_type::sync_environments;
    run.job.base_environment = "main";
    run.job.target_environment = "staging";
    run.job.schedule_json = R"({"kind":"now"})";
    run.job.state = job_state::once;
    run.job.created_by = "alice";
    run.trigger = "api";
    run.created_by = "alice";
    for (int t = 0; t < tasks_per_run; ++t)
      run.task_names.push_back("task " + std::to_string(t));
    run.status = run_status::running;
    auto created = db.insert_run(run, 1000 + i);
    run_progress p;
    p.run_id = created.run_id;
    p.status = run_status::succeeded;
    p.finished_at = 2000 + i;
    for (auto id : created.task_ids)
      p.tasks.push_back({id, "", task_status::succeeded, "clone", 100});
    p.logs.push_back({1, "", run_log_level::info, "done", 2000 + i});
    db.apply(p);
  }
}

void bench_list_runs(int runs, int tasks_per_run, int repeats) {
  scratch dir;
  auto file = dir.path / "control-plane.db";
  fill_control_plane(file, runs, tasks_per_run);
  control_plane reader{file, control_plane::access::reader};
  database old_connection{file, database::mode::read_only};
  string_keyed_cache old_cache{old_connection};

  auto subquery = old_connection.prepare(
    std::string{"SELECT "} + run_columns
    + ", t.id, t.name, t.status, t.phase, t.percent FROM (SELECT * FROM runs "
      "WHERE org_id = ? AND id < ? ORDER BY id DESC LIMIT ?) r JOIN jobs j "
      "ON j.id = r.job_id LEFT JOIN tasks t ON t.run_id = r.id ORDER BY "
      "r.id DESC, t.position");

  auto now = reader.list_runs("acme", INT64_MAX, runs);
  auto before = list_runs_n_plus_1(old_cache, "acme", INT64_MAX, runs);
  auto joined = list_runs_subquery(subquery, "acme", INT64_MAX, runs);
  std::printf("list_runs, a page of %zu runs with %d tasks each, "
              "median of %d (wall / thread CPU):\n",
              now.size(), tasks_per_run, repeats);
  std::printf("  same output: %s\n",
              same_runs(now, before) && same_runs(now, joined) ? "yes"
                                                               : "NO");
  auto old_t = median_us(repeats, [&] {
    list_runs_n_plus_1(old_cache, "acme", INT64_MAX, runs);
  });
  auto subquery_t = median_us(repeats, [&] {
    list_runs_subquery(subquery, "acme", INT64_MAX, runs);
  });
  auto new_t = median_us(repeats, [&] {
    reader.list_runs("acme", INT64_MAX, runs);
  });
  auto row = [&](const char* what, timing t) {
    std::printf("  %-34s %8.0f us %8.0f us   (%.1fx CPU)\n", what, t.wall_us,
                t.cpu_us, old_t.cpu_us / t.cpu_us);
  };
  row(("N+1: 1 + " + std::to_string(before.size()) + " queries (before)")
        .c_str(),
      old_t);
  row("1 query, LIMIT subquery joined", subquery_t);
  row("1 query, page as id range (now)", new_t);
}

void bench_item_read(int calls) {
  scratch dir;
  content_store::create_empty(dir.path);
  content_store store{dir.path};
  for (int i = 0; i < 1000; ++i)
    store.put_entry({"e" + std::to_string(i), "article", "en",
                     "title " + std::to_string(i), "body", "{}"},
                    "t");
  database other{dir.path / content_file_name, database::mode::read_only};
  string_keyed_cache cache{other};
  const std::string entry_columns
    = "id, content_type, locale, title, body, fields, version, updated_at";
  std::vector<std::string> ids;
  for (int i = 0; i < calls; ++i)
    ids.push_back("e" + std::to_string(i * 7919 % 1000));

  int64_t found = 0;
  // Per call: wall time and this thread's CPU time, in nanoseconds.
  auto per_call_ns = [&](auto read) {
    auto start = bench_clock::now();
    auto cpu_start = thread_cpu_us();
    for (auto& id : ids)
      found += read(id);
    auto cpu = (thread_cpu_us() - cpu_start) * 1000 / calls;
    auto wall = std::chrono::duration<double, std::nano>(bench_clock::now()
                                                         - start)
                  .count()
                / calls;
    return timing{wall, cpu};
  };
  auto prepared = per_call_ns([&](const std::string& id) {
    return store.get_entry(id) ? 1 : 0;
  });
  auto keyed = per_call_ns([&](const std::string& id) {
    auto& get = cache.get("SELECT " + entry_columns
                          + " FROM entries WHERE id = ?");
    get.bind(1, id);
    int64_t hit = get.step() ? 1 : 0;
    if (hit)
      get.text_column(3);
    get.reset();
    return hit;
  });
  auto unprepared = per_call_ns([&](const std::string& id) {
    auto get = other.prepare("SELECT " + entry_columns
                             + " FROM entries WHERE id = ?");
    get.bind(1, id);
    int64_t hit = get.step() ? 1 : 0;
    if (hit)
      get.text_column(3);
    return hit;
  });
  std::printf("entry read by id (get_entry), %d calls, per call "
              "(wall / thread CPU):\n",
              calls);
  auto row = [](const char* what, timing t) {
    std::printf("  %-34s %8.0f ns %8.0f ns\n", what, t.wall_us, t.cpu_us);
  };
  row("prepared per call", unprepared);
  row("string-keyed cache (before)", keyed);
  row("prepared at open, table (now)", prepared);
  std::printf("  (found %lld of %d)\n", static_cast<long long>(found),
              3 * calls);
}

} // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 500;
  int tasks_per_run = argc > 2 ? std::atoi(argv[2]) : 2;
  int repeats = argc > 3 ? std::atoi(argv[3]) : 200;
  bench_list_runs(runs, tasks_per_run, repeats);
  bench_item_read(100000);
  return 0;
}
