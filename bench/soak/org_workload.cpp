#include "org_workload.hpp"

#include <thread>

namespace downhill::soak {

using namespace std::chrono_literals;

namespace {

// Bounded id spaces: the data stays about the same size however long the
// soak runs, so memory and sync times measure the server, not data growth.
constexpr int main_entry_ids = 120;
constexpr int child_entry_ids = 40;

const char* const vocabulary[] = {"river", "stone",  "cloud", "ember",
                                  "frost", "maple",  "orbit", "prism",
                                  "quartz", "tide",  "lumen", "cedar"};

} // namespace

const std::vector<sync_edge>& environment_tree() {
  static const std::vector<sync_edge> tree{
    {"main", "dev"}, {"main", "qa"}, {"dev", "feature"}};
  return tree;
}

org_workload::org_workload(const api_caller& api, int index, unsigned seed)
  : api_(api), org_("soak-" + std::to_string(index)), rng_(seed) {
}

std::string org_workload::words(size_t bytes) {
  std::uniform_int_distribution<size_t> pick(
    0, sizeof vocabulary / sizeof vocabulary[0] - 1);
  std::string text;
  while (text.size() < bytes) {
    if (!text.empty())
      text += ' ';
    text += vocabulary[pick(rng_)];
  }
  return text;
}

std::string org_workload::random_env(bool with_main) {
  std::vector<std::string> envs;
  if (with_main)
    envs.push_back("main");
  for (auto& edge : environment_tree())
    envs.push_back(edge.target);
  return envs[std::uniform_int_distribution<size_t>(0, envs.size() - 1)(rng_)];
}

void org_workload::set_up(int recurring_every_seconds) {
  const auto& admin = api_.server().admin_token();
  auto org = api_.call_until_answered("setup", "POST", "/api/v1/orgs", admin,
                                      json{{"name", org_}}.dump());
  if (org.status != 201 && org.status != 409)
    throw std::runtime_error(org_label() + "create org: "
                             + std::to_string(org.status) + " " + org.body);
  auto user = api_.call_until_answered("setup", "POST", org_path() + "/users",
                                       admin, json{{"name", "writer"}}.dump());
  if (user.status != 201)
    throw std::runtime_error(org_label() + "create user: "
                             + std::to_string(user.status) + " " + user.body);
  token_ = user.data()["token"];

  // Seed main: small entries and a few larger ones, so that a sync takes
  // long enough (with --copy-rate-limit) to be caught mid-copy by a kill.
  for (int i = 0; i < main_entry_ids; ++i) {
    std::string id = "m-" + std::to_string(i);
    json entry{{"content_type", "article"},
               {"title", "Seed " + id},
               {"body", words(i % 10 == 0 ? 24 * 1024 : 2048)}};
    auto r = api_.call_until_answered("setup", "PUT",
                                      env_path("main") + "/entries/" + id,
                                      token_, entry.dump());
    if (r.status != 200)
      throw std::runtime_error(org_label() + "seed " + id + ": "
                               + std::to_string(r.status) + " " + r.body);
  }
  for (auto& edge : environment_tree())
    create_and_wait(edge.base, edge.target);

  // Recurring syncs: main -> qa in every org, dev -> feature too, so the
  // queue behind the active run is never empty for long.
  for (auto& edge : {sync_edge{"main", "qa"}, sync_edge{"dev", "feature"}}) {
    json job{{"name", "Every " + std::to_string(recurring_every_seconds)
                        + " s: " + edge.base + " into " + edge.target},
             {"type", "sync_environments"},
             {"base_environment", edge.base},
             {"target_environment", edge.target},
             {"schedule",
              {{"kind", "interval"}, {"every_seconds", recurring_every_seconds}}}};
    auto r = api_.call_until_answered("setup", "POST", org_path() + "/jobs",
                                      token_, job.dump());
    if (r.status != 201)
      throw std::runtime_error(org_label() + "recurring job: "
                               + std::to_string(r.status) + " " + r.body);
    recurring_job_ids_.push_back(r.data()["job"]["id"]);
  }
}

void org_workload::create_and_wait(const std::string& base,
                                   const std::string& alias) {
  json job{{"name", "Create " + alias},
           {"type", "create_environment"},
           {"base_environment", base},
           {"new_environment", alias},
           {"schedule", {{"kind", "now"}}}};
  auto r = api_.call_until_answered("setup", "POST", org_path() + "/jobs",
                                    token_, job.dump());
  if (r.status != 201)
    throw std::runtime_error(org_label() + "create " + alias + ": "
                             + std::to_string(r.status) + " " + r.body);
  std::string run_id = r.data()["run"]["id"];
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    auto run = api_.call_until_answered("setup", "GET",
                                        org_path() + "/runs/" + run_id, token_);
    auto status = run.data().value("status", "");
    if (status == "succeeded")
      return;
    if (status != "running" && status != "queued")
      throw std::runtime_error(org_label() + "create " + alias + " ended "
                               + run.body);
    std::this_thread::sleep_for(20ms);  // polling the run, with a deadline
  }
  throw std::runtime_error(org_label() + "create " + alias
                           + " did not end within 60 s");
}

void org_workload::run(const std::atomic<bool>& stop) {
  // Weights of what a user does next; writes dominate, as on a content
  // platform, and jobs are submitted often enough to collide (409).
  std::discrete_distribution<int> next_action{
    30,  // 0 write an entry into main
    12,  // 1 write an entry into a child (423 while it is synced)
    17,  // 2 read (an entry, a page, versions)
    10,  // 3 search
    10,  // 4 submit a manual sync
    8,   // 5 read runs and logs
    2,   // 6 cancel the latest run
    3,   // 7 create or delete a short-lived environment
    3,   // 8 replace settings
    2};  // 9 add a webhook
  std::uniform_int_distribution<int> pause_ms(20, 60);
  while (!stop.load()) {
    switch (next_action(rng_)) {
    case 0:
      write_entry("main", "m-" + std::to_string(std::uniform_int_distribution<int>(
                                   0, main_entry_ids - 1)(rng_)));
      break;
    case 1: {
      auto env = random_env(false);
      write_entry(env, env + "-" + std::to_string(std::uniform_int_distribution<int>(
                                     0, child_entry_ids - 1)(rng_)));
      break;
    }
    case 2: read_something(); break;
    case 3: search(); break;
    case 4: submit_manual_sync(); break;
    case 5: read_runs(); break;
    case 6: cancel_latest(); break;
    case 7: scratch_environment(); break;
    case 8: put_settings(); break;
    case 9: add_webhook(); break;
    }
    // Pacing of the load (not synchronization): a user thinks between
    // requests, and 2 shared cores must also run the server.
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng_)));
  }
}

void org_workload::write_entry(const std::string& env, const std::string& id) {
  json entry{{"content_type", id[0] == 'm' ? "article" : "note"},
             {"title", "Entry " + id + " " + words(20)},
             {"body", words(std::uniform_int_distribution<size_t>(100, 6000)(rng_))},
             {"fields", {{"rank", std::uniform_int_distribution<int>(0, 99)(rng_)}}}};
  auto a = api_.call("content write", "PUT", env_path(env) + "/entries/" + id,
                     token_, entry.dump());
  if (!a.answered()) {
    std::lock_guard lock{uncertain_mutex_};
    uncertain_.insert(id);
  }
  // 423: the environment is the target of a running job.
  api_.expect(a, {200, 423}, org_label() + "PUT " + env + "/entries/" + id);
}

void org_workload::read_something() {
  auto env = random_env(true);
  std::string id = "m-" + std::to_string(std::uniform_int_distribution<int>(
                            0, main_entry_ids - 1)(rng_));
  switch (std::uniform_int_distribution<int>(0, 2)(rng_)) {
  case 0: {
    // 404: an entry of main that the child has not received yet.
    auto a = api_.call("content read", "GET", env_path(env) + "/entries/" + id,
                       token_);
    api_.expect(a, {200, 404, 423}, org_label() + "GET " + env + "/entries/" + id);
    break;
  }
  case 1: {
    auto a = api_.call("content read", "GET",
                       env_path(env) + "/entries?limit=50", token_);
    api_.expect(a, {200, 423}, org_label() + "GET " + env + "/entries");
    break;
  }
  default: {
    auto a = api_.call("content read", "GET",
                       env_path(env) + "/entries/" + id + "/versions", token_);
    api_.expect(a, {200, 404, 423},
                org_label() + "GET " + env + "/entries/" + id + "/versions");
  }
  }
}

void org_workload::search() {
  auto env = random_env(true);
  std::string q = words(5);
  if (auto space = q.find(' '); space != std::string::npos)
    q.replace(space, 1, "%20");  // two words, AND-ed
  auto a = api_.call("search", "GET", env_path(env) + "/search?q=" + q, token_);
  api_.expect(a, {200, 423}, org_label() + "search " + env + " q=" + q);
}

void org_workload::submit_manual_sync() {
  auto& tree = environment_tree();
  auto& edge = tree[std::uniform_int_distribution<size_t>(0, tree.size() - 1)(rng_)];
  json job{{"name", "Manual " + edge.base + " into " + edge.target},
           {"type", "sync_environments"},
           {"base_environment", edge.base},
           {"target_environment", edge.target},
           {"schedule", {{"kind", "now"}}}};
  auto a = api_.call("job submit", "POST", org_path() + "/jobs", token_, job.dump());
  // 409 job_in_progress: another job of this organization runs.
  api_.expect(a, {201, 409}, org_label() + "sync " + edge.base + " -> " + edge.target);
}

void org_workload::read_runs() {
  auto a = api_.call("run read", "GET", org_path() + "/runs?limit=20", token_);
  if (!api_.expect(a, {200}, org_label() + "GET runs") || a.status != 200)
    return;
  auto runs = a.data()["runs"];
  if (!runs.is_array() || runs.empty())
    return;
  auto& run = runs[std::uniform_int_distribution<size_t>(0, runs.size() - 1)(rng_)];
  std::string id = run.value("id", "");
  auto summary = api_.call("run read", "GET", org_path() + "/runs/" + id, token_);
  api_.expect(summary, {200}, org_label() + "GET runs/" + id);
  auto logs = api_.call("run read", "GET",
                        org_path() + "/runs/" + id + "/logs?limit=100", token_);
  api_.expect(logs, {200}, org_label() + "GET runs/" + id + "/logs");
}

void org_workload::cancel_latest() {
  auto a = api_.call("run read", "GET", org_path() + "/runs?limit=1", token_);
  if (a.status != 200)
    return;
  auto runs = a.data()["runs"];
  if (!runs.is_array() || runs.empty())
    return;
  std::string id = runs[0].value("id", "");
  auto c = api_.call("cancel", "POST", org_path() + "/runs/" + id + "/cancel",
                     token_, "{}");
  // 409 not_running: it ended (or waits in the queue) meanwhile.
  api_.expect(c, {202, 409}, org_label() + "cancel run " + id);
}

void org_workload::scratch_environment() {
  if (scratch_.empty()) {
    scratch_ = "scratch-" + std::to_string(++scratch_counter_);
    json job{{"name", "Create " + scratch_},
             {"type", "create_environment"},
             {"base_environment", random_env(true)},
             {"new_environment", scratch_},
             {"schedule", {{"kind", "now"}}}};
    auto a = api_.call("job submit", "POST", org_path() + "/jobs", token_, job.dump());
    api_.expect(a, {201, 409}, org_label() + "create " + scratch_);
    if (a.status == 409)
      scratch_.clear();  // not accepted: try another time
    return;
  }
  auto a = api_.call("environment delete", "DELETE", env_path(scratch_), token_);
  // 404: its Create failed, was cancelled or interrupted (or the server
  // did not receive it); 423: it is still being created.
  api_.expect(a, {204, 404, 423}, org_label() + "DELETE " + scratch_);
  if (a.status == 204 || a.status == 404)
    scratch_.clear();
}

void org_workload::put_settings() {
  auto env = random_env(true);
  json settings{{"theme", words(8)},
                {"limits", {{"entries", std::uniform_int_distribution<int>(1, 9999)(rng_)}}}};
  auto a = api_.call("content write", "PUT", env_path(env) + "/settings",
                     token_, settings.dump());
  api_.expect(a, {200, 423}, org_label() + "PUT " + env + "/settings");
}

void org_workload::add_webhook() {
  auto env = random_env(false);
  json hook{{"name", "hook " + words(10)}, {"url", "https://example.test/hook"}};
  auto a = api_.call("content write", "POST", env_path(env) + "/webhooks",
                     token_, hook.dump());
  api_.expect(a, {201, 423}, org_label() + "POST " + env + "/webhooks");
}

void org_workload::quiesce() {
  for (auto& id : recurring_job_ids_) {
    auto a = api_.call_until_answered("quiesce", "DELETE",
                                      org_path() + "/recurring-jobs/" + id,
                                      token_);
    // 404: a retry after a delete whose answer was lost.
    api_.expect(a, {200, 204, 404}, org_label() + "DELETE recurring job " + id);
  }
}

std::set<std::string> org_workload::uncertain_entries() const {
  std::lock_guard lock{uncertain_mutex_};
  return uncertain_;
}

} // namespace downhill::soak
