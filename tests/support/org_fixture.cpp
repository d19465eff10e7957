#include "org_fixture.hpp"

#include <stdexcept>
#include <thread>

namespace downhill::testing {

namespace {

void require_status(const response& r, int status, const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(what + ": expected " + std::to_string(status)
                             + ", got " + std::to_string(r.status) + " "
                             + r.body);
}

} // namespace

org_fixture::org_fixture(std::vector<std::string> server_args)
  : server(std::move(server_args)), admin(server.port(), server.admin_token()),
    alice(server.port()) {
  require_status(admin.post("/api/v1/orgs", {{"name", org}}), 201,
                 "create org");
  auto user = admin.post(org_path() + "/users", {{"name", "alice"}});
  require_status(user, 201, "create user");
  alice_token_ = user.data()["token"];
  alice = alice.with_token(alice_token_);
}

json org_fixture::put_entry(const std::string& env, const std::string& id,
                            const std::string& title,
                            const std::string& body) {
  auto r = alice.put(env_path(env) + "/entries/" + id,
                     {{"content_type", "article"},
                      {"locale", "en"},
                      {"title", title},
                      {"body", body}});
  require_status(r, 200, "put entry " + id);
  return r.data();
}

response org_fixture::submit_create(const std::string& base,
                                    const std::string& alias,
                                    const std::string& display_name) {
  json body{{"name", "Create " + alias},
            {"type", "create_environment"},
            {"base_environment", base},
            {"new_environment", alias},
            {"schedule", {{"kind", "now"}}}};
  if (!display_name.empty())
    body["display_name"] = display_name;
  return alice.post(org_path() + "/jobs", body);
}

response org_fixture::submit_sync(const std::string& base,
                                  const std::string& target) {
  return alice.post(org_path() + "/jobs",
                    {{"name", "Sync " + base + " into " + target},
                     {"type", "sync_environments"},
                     {"base_environment", base},
                     {"target_environment", target},
                     {"schedule", {{"kind", "now"}}}});
}

json org_fixture::wait_for_run(const std::string& run_id,
                               std::chrono::seconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    auto r = alice.get(org_path() + "/runs/" + run_id);
    require_status(r, 200, "get run");
    auto run = r.data();
    auto status = run["status"].get<std::string>();
    if (status != "queued" && status != "running")
      return run;
    // Polling with a deadline, not a sleep used as synchronization.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("run " + run_id + " did not end in time");
}

void org_fixture::create_environment(const std::string& base,
                                     const std::string& alias) {
  auto r = submit_create(base, alias);
  require_status(r, 201, "create " + alias);
  auto run = wait_for_run(r.data()["run"]["id"]);
  if (run["status"] != "succeeded")
    throw std::runtime_error("create " + alias + " ended " + run.dump());
}

json org_fixture::sync_and_wait(const std::string& base,
                                const std::string& target) {
  auto r = submit_sync(base, target);
  require_status(r, 201, "sync " + base + " into " + target);
  return wait_for_run(r.data()["run"]["id"]);
}

std::vector<json> org_fixture::all_entries(const std::string& env) {
  std::vector<json> result;
  std::string after;
  for (;;) {
    auto r = alice.get(env_path(env) + "/entries?limit=1000&after=" + after);
    require_status(r, 200, "list entries");
    auto page = r.data();
    for (auto& e : page["entries"])
      result.push_back(e);
    if (page["next"].is_null())
      return result;
    after = page["next"];
  }
}

json org_fixture::environments() {
  auto r = alice.get(org_path() + "/environments");
  require_status(r, 200, "list environments");
  return r.data()["environments"];
}

json org_fixture::environment_state(const std::string& env) {
  json state;
  state["entries"] = all_entries(env);
  for (auto kind : {"settings", "webhooks", "integrations", "presets",
                    "teams"}) {
    auto r = alice.get(env_path(env) + "/" + kind);
    require_status(r, 200, std::string{"get "} + kind);
    state[kind] = r.data();
  }
  return state;
}

json org_fixture::organization_state() {
  json state;
  state["environments"] = environments();
  for (auto& env : state["environments"])
    state["data"][env["id"].get<std::string>()]
      = environment_state(env["id"]);
  auto runs = alice.get(org_path() + "/runs?limit=500");
  require_status(runs, 200, "list runs");
  state["run_count"] = runs.data()["runs"].size();
  return state;
}

std::vector<json> org_fixture::all_logs(const std::string& run_id) {
  std::vector<json> result;
  int64_t after = 0;
  for (;;) {
    auto r = alice.get(org_path() + "/runs/" + run_id
                       + "/logs?limit=500&after=" + std::to_string(after));
    require_status(r, 200, "list logs");
    auto page = r.data();
    if (page["logs"].empty())
      return result;
    for (auto& log : page["logs"])
      result.push_back(log);
    after = page["next"];
  }
}

json org_fixture::get_run(const std::string& run_id) {
  auto r = alice.get(org_path() + "/runs/" + run_id);
  require_status(r, 200, "get run");
  return r.data();
}

json org_fixture::wait_for_progress(const std::string& run_id, int percent) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    auto run = get_run(run_id);
    if (run["status"] != "running")
      throw std::runtime_error("run ended before " + std::to_string(percent)
                               + "%: " + run.dump());
    if (run["tasks"][0]["percent"].get<int>() >= percent)
      return run;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("run " + run_id + " did not reach "
                           + std::to_string(percent) + "%");
}

void org_fixture::fill(const std::string& env, const std::string& prefix,
                       int count, size_t bytes) {
  static const char* words[] = {"river", "stone", "cloud", "ember", "frost",
                                "maple", "orbit", "prism", "quartz", "tide"};
  for (int i = 0; i < count; ++i) {
    std::string body = "TOKEN" + std::to_string(i);
    for (size_t w = 0; body.size() < bytes; ++w)
      body += std::string{" "} + words[(w * 7 + static_cast<size_t>(i)) % 10]
              + std::to_string(w % 97);
    put_entry(env, prefix + "-" + std::to_string(i),
              "Entry " + std::to_string(i) + " of " + prefix, body);
  }
}

} // namespace downhill::testing
