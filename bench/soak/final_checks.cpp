#include "final_checks.hpp"

#include "store_inspector.hpp"

#include <sqlite3.h>

#include <map>
#include <sstream>
#include <thread>

namespace downhill::soak {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// Rows of `sql` on a read-only connection, each row's columns joined.
/// Throws with SQLite's message if the file does not open or the query fails.
std::vector<std::vector<std::string>> rows_of(const fs::path& file,
                                              const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      != SQLITE_OK) {
    std::string error = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + file.string() + ": " + error);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(file.filename().string() + ": " + error + " in "
                             + sql);
  }
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      auto text = sqlite3_column_text(stmt, c);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (!error.empty())
    throw std::runtime_error(file.filename().string() + ": " + error + " in "
                             + sql);
  return rows;
}

std::string first_few(const std::vector<std::string>& items, size_t n = 5) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < n; ++i)
    out += (i ? ", " : "") + items[i];
  if (items.size() > n)
    out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

testing::store_inspector files_of(const api_caller& api) {
  return testing::store_inspector{api.server().work_dir()};
}

} // namespace

std::vector<json> final_checks::all_runs(const org_workload& org) {
  std::vector<json> runs;
  std::string before;
  for (;;) {
    auto a = api_.call_until_answered(
      "final checks", "GET",
      org.org_path() + "/runs?limit=500" + (before.empty() ? "" : "&before=" + before),
      org.token());
    if (a.status != 200)
      throw std::runtime_error("org " + org.org() + ": list runs answered "
                               + std::to_string(a.status) + " " + a.body);
    auto page = a.data();
    for (auto& run : page["runs"])
      runs.push_back(run);
    if (page["next"].is_null() || page["runs"].empty())
      return runs;
    before = page["next"].get<std::string>();
  }
}

std::vector<json> final_checks::all_entries(const org_workload& org,
                                            const std::string& env) {
  std::vector<json> entries;
  std::string after;
  for (;;) {
    auto a = api_.call_until_answered(
      "final checks", "GET", org.env_path(env) + "/entries?limit=1000&after=" + after,
      org.token());
    if (a.status != 200)
      throw std::runtime_error("org " + org.org() + ": list " + env
                               + " entries answered " + std::to_string(a.status)
                               + " " + a.body);
    auto page = a.data();
    for (auto& e : page["entries"])
      entries.push_back(e);
    if (page["next"].is_null())
      return entries;
    after = page["next"].get<std::string>();
  }
}

std::vector<std::string> final_checks::environment_ids(const org_workload& org) {
  auto a = api_.call_until_answered("final checks", "GET",
                                    org.org_path() + "/environments", org.token());
  if (a.status != 200)
    throw std::runtime_error("org " + org.org() + ": list environments answered "
                             + std::to_string(a.status) + " " + a.body);
  std::vector<std::string> ids;
  auto listed = a.data();  // a range-for over a temporary's member dangles
  for (auto& env : listed["environments"])
    ids.push_back(env["id"]);
  return ids;
}

void final_checks::runs_end(std::chrono::seconds deadline,
                            const std::string& when) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    std::vector<std::string> unfinished;
    for (auto& org : orgs_)
      for (auto& run : all_runs(*org)) {
        auto status = run.value("status", "");
        if (status == "running" || status == "queued")
          unfinished.push_back(org->org() + " run " + run.value("id", "") + " "
                               + status);
      }
    if (unfinished.empty())
      break;
    if (std::chrono::steady_clock::now() >= until) {
      api_.counts().violation(
        "runs still running or queued " + std::to_string(deadline.count())
        + " s " + when + ": " + first_few(unfinished, 10));
      break;
    }
    std::this_thread::sleep_for(200ms);  // polling the runs, with a deadline
  }
  api_.counts().checked("no run stays running or queued (" + when + ")");
  // The control plane agrees with the API.
  auto stored = files_of(api_).count(
    "SELECT count(*) FROM runs WHERE status IN ('running', 'queued')");
  api_.counts().checked("no run stays running or queued in control-plane.db");
  if (stored != 0)
    api_.counts().violation(std::to_string(stored) + " runs are running or "
                            "queued in control-plane.db " + when);
}

void final_checks::stores_consistent(const std::string& when) {
  auto files = files_of(api_);
  for (auto& org : orgs_) {
    auto uncertain = org->uncertain_entries();
    for (auto& env : environment_ids(*org)) {
      auto label = "org " + org->org() + " " + env + " (" + when + "): ";
      api_.counts().checked("stores pass integrity_check and the index "
                            "matches the entries");
      try {
        auto dir = files.environment_dir(org->org(), env);
        if (dir.empty()) {
          api_.counts().violation(label + "listed by the API but not in "
                                          "control-plane.db");
          continue;
        }
        for (auto file : {"content.db", "index.db"}) {
          auto result = rows_of(dir / file, "PRAGMA integrity_check");
          if (result.size() != 1 || result[0][0] != "ok")
            api_.counts().violation(label + file + " integrity_check: "
                                    + (result.empty() ? "" : result[0][0]));
        }
        std::map<std::string, std::string> content, index;
        for (auto& row : rows_of(dir / "content.db",
                                 "SELECT id, title, body FROM entries"))
          content[row[0]] = row[1] + '\x1f' + row[2];
        for (auto& row : rows_of(dir / "index.db",
                                 "SELECT id, title, body FROM entries_fts"))
          if (!index.emplace(row[0], row[1] + '\x1f' + row[2]).second)
            index[row[0]] = "(indexed twice)";
        std::vector<std::string> wrong, tolerated;
        for (auto& [id, text] : content) {
          auto it = index.find(id);
          if (it == index.end() || it->second != text)
            (uncertain.count(id) ? tolerated : wrong)
              .push_back(id + (it == index.end() ? " (not indexed)" : " (stale)"));
        }
        for (auto& [id, text] : index)
          if (!content.count(id))
            (uncertain.count(id) ? tolerated : wrong).push_back(id + " (no entry)");
        if (!wrong.empty())
          api_.counts().violation(label + "search index differs from the "
                                          "entries: " + first_few(wrong));
        if (!tolerated.empty())
          api_.counts().note(label + "index differs only for entries whose "
                                     "write a kill cut: " + first_few(tolerated));
      } catch (const std::exception& e) {
        api_.counts().violation(label + e.what());
      }
    }
  }
}

void final_checks::final_syncs() {
  for (auto& org : orgs_)
    for (auto& edge : environment_tree()) {
      auto label = "org " + org->org() + ": final sync " + edge.base + " -> "
                   + edge.target;
      json job{{"name", "Final " + edge.base + " into " + edge.target},
               {"type", "sync_environments"},
               {"base_environment", edge.base},
               {"target_environment", edge.target},
               {"schedule", {{"kind", "now"}}}};
      api_.counts().checked("final syncs succeed with nothing else running");
      auto a = api_.call_until_answered("final checks", "POST",
                                        org->org_path() + "/jobs", org->token(),
                                        job.dump());
      if (a.status != 201) {
        api_.counts().violation(label + " answered " + std::to_string(a.status)
                                + " " + a.body);
        continue;
      }
      std::string run_id = a.data()["run"]["id"];
      auto until = std::chrono::steady_clock::now() + 60s;
      std::string status = "running";
      while (status == "running" || status == "queued") {
        if (std::chrono::steady_clock::now() >= until)
          break;
        std::this_thread::sleep_for(20ms);  // polling the run, with a deadline
        auto run = api_.call_until_answered("final checks", "GET",
                                            org->org_path() + "/runs/" + run_id,
                                            org->token());
        status = run.data().value("status", "?");
      }
      if (status != "succeeded")
        api_.counts().violation(label + " (run " + run_id + ") ended " + status);
    }
}

void final_checks::environments_settled() {
  for (auto& org : orgs_) {
    auto a = api_.call_until_answered("final checks", "GET",
                                      org->org_path() + "/environments",
                                      org->token());
    api_.counts().checked("no environment left locked or creating");
    auto listed = a.data();  // a range-for over a temporary's member dangles
    for (auto& env : listed["environments"])
      if (env.value("status", "") != "ready")
        api_.counts().violation("org " + org->org() + ": environment "
                                + env.value("id", "") + " is "
                                + env.value("status", "") + " after the final restart");
  }
  auto stored = files_of(api_).count(
    "SELECT count(*) FROM environments WHERE status != 'ready'");
  api_.counts().checked("no environment left locked or creating in control-plane.db");
  if (stored != 0)
    api_.counts().violation(std::to_string(stored) + " environments are not "
                            "ready in control-plane.db after the final restart");
}

void final_checks::targets_equal_bases() {
  auto files = files_of(api_);
  for (auto& org : orgs_)
    for (auto& edge : environment_tree()) {
      auto label = "org " + org->org() + ": " + edge.target + " after its final sync from "
                   + edge.base + ": ";
      api_.counts().checked("synced targets hold their base's data");
      try {
        auto base = all_entries(*org, edge.base);
        auto target = all_entries(*org, edge.target);
        if (base != target)
          api_.counts().violation(label + "its entries differ over the API ("
                                  + std::to_string(target.size()) + " vs "
                                  + std::to_string(base.size()) + " in the base)");
        auto base_sums = files.checksums(org->org(), edge.base);
        auto target_sums = files.checksums(org->org(), edge.target);
        for (auto table : {"entries", "index", "settings", "content_types",
                           "locales", "assets"})
          if (base_sums[table] != target_sums[table])
            api_.counts().violation(label + "table " + table + " differs on disk ("
                                    + target_sums[table] + " vs "
                                    + base_sums[table] + ")");
      } catch (const std::exception& e) {
        api_.counts().violation(label + e.what());
      }
    }
}

void final_checks::log_counts() {
  for (auto& org : orgs_)
    for (auto& run : all_runs(*org)) {
      std::string id = run.value("id", "");
      int64_t total = run.value("total_logs", int64_t{-1});
      int64_t served = 0;
      int64_t after = 0;
      api_.counts().checked("total_logs equals the log lines served");
      for (;;) {
        auto a = api_.call_until_answered(
          "final checks", "GET",
          org->org_path() + "/runs/" + id + "/logs?limit=5000&after="
            + std::to_string(after),
          org->token());
        auto page = a.data();
        if (a.status != 200 || !page.is_object()) {
          api_.counts().violation("org " + org->org() + ": logs of run " + id
                                  + " answered " + std::to_string(a.status));
          break;
        }
        if (page["logs"].empty())
          break;
        served += static_cast<int64_t>(page["logs"].size());
        after = page["next"].get<int64_t>();
      }
      if (served != total)
        api_.counts().violation("org " + org->org() + ": run " + id + " ("
                                + run.value("status", "") + ") has total_logs "
                                + std::to_string(total) + " but serves "
                                + std::to_string(served) + " log lines");
    }
  auto mismatched = files_of(api_).count(
    "SELECT count(*) FROM runs r WHERE r.total_logs != "
    "(SELECT count(*) FROM logs l WHERE l.run_id = r.id)");
  api_.counts().checked("total_logs equals the log lines in control-plane.db");
  if (mismatched != 0)
    api_.counts().violation(std::to_string(mismatched) + " runs in "
                            "control-plane.db have total_logs != their log rows");
}

void final_checks::no_leftover_generations() {
  api_.counts().checked("no leftover generation directories");
  auto leftovers = files_of(api_).leftovers();
  if (!leftovers.empty())
    api_.counts().violation("the data directory holds leftovers after the "
                            "final restart: " + first_few(leftovers));
}

void final_checks::recurring_jobs_fired() {
  for (auto& org : orgs_) {
    api_.counts().checked("recurring jobs fired");
    int scheduled = 0;
    for (auto& run : all_runs(*org))
      if (run.value("trigger", "") == "schedule")
        ++scheduled;
    if (scheduled == 0)
      api_.counts().violation("org " + org->org() + ": its interval jobs "
                                                    "never fired");
  }
}

} // namespace downhill::soak
