// Lazy organizations (issue 10, target 5): an organization's actor starts
// at its first request or firing after a start, not at start-up. Through a
// real restart: every organization still answers, two first requests at
// once meet one actor, a recurring job of an organization nobody touched
// fires, and the leftovers of organizations nobody touched are removed by
// the background sweep.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

using namespace downhill::testing;
namespace fs = std::filesystem;

namespace {

/// Lets every thread of a test go at once.
class start_line {
public:
  explicit start_line(size_t threads) : waiting_(threads) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock{mutex_};
    if (--waiting_ == 0)
      go_.notify_all();
    else
      go_.wait(lock, [&] { return waiting_ == 0; });
  }

private:
  std::mutex mutex_;
  std::condition_variable go_;
  size_t waiting_;
};

/// Runs `work(i)` for i in [0, count) on `count` threads that start at once.
template <class Work>
void all_at_once(size_t count, Work work) {
  start_line line{count};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < count; ++i)
    threads.emplace_back([&, i] {
      line.arrive_and_wait();
      work(i);
    });
  for (auto& t : threads)
    t.join();
}

void restart(org_fixture& f) {
  REQUIRE(f.server.stop() == 0);
  f.server.start();
  f.reconnect();
}

std::string read_file(const fs::path& file) {
  std::ifstream in{file};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Polls until `probe` answers true; false at the deadline.
template <class Probe>
bool eventually(Probe probe) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!probe()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

} // namespace

TEST_CASE_METHOD(org_fixture, "after a restart with many organizations, "
                              "each answers its first request") {
  constexpr size_t orgs = 40;
  std::vector<http_client> users;
  for (size_t i = 0; i < orgs; ++i) {
    auto name = "lazy-" + std::to_string(i);
    REQUIRE(admin.post("/api/v1/orgs", {{"name", name}}).status == 201);
    auto user = admin.post("/api/v1/orgs/" + name + "/users",
                           {{"name", "u"}});
    REQUIRE(user.status == 201);
    users.push_back(http_client{server.port()}.with_token(
      user.data()["token"].get<std::string>()));
  }
  restart(*this);
  std::vector<int> listed(orgs, 0), created(orgs, 0);
  std::vector<std::string> run_ids(orgs);
  all_at_once(8, [&](size_t t) {
    for (size_t i = t; i < orgs; i += 8) {
      auto user = users[i].with_port(server.port());
      auto path = "/api/v1/orgs/lazy-" + std::to_string(i);
      auto envs = user.get(path + "/environments");
      if (envs.status == 200 && envs.data()["environments"].size() == 1
          && envs.data()["environments"][0]["id"] == "main")
        listed[i] = 1;
      auto job = user.post(path + "/jobs",
                           {{"name", "Create child"},
                            {"type", "create_environment"},
                            {"base_environment", "main"},
                            {"new_environment", "child"},
                            {"schedule", {{"kind", "now"}}}});
      created[i] = job.status;
      if (job.status == 201)
        run_ids[i] = job.data()["run"]["id"];
    }
  });
  for (size_t i = 0; i < orgs; ++i) {
    INFO("org lazy-" << i);
    CHECK(listed[i] == 1);
    REQUIRE(created[i] == 201);
  }
  // Each run ran in its own organization: its child is there afterwards.
  for (size_t i = 0; i < orgs; i += 13) {
    auto user = users[i].with_port(server.port());
    auto path = "/api/v1/orgs/lazy-" + std::to_string(i);
    CHECK(eventually([&] {
      auto run = user.get(path + "/runs/" + run_ids[i]);
      return run.status == 200 && run.data()["status"] == "succeeded";
    }));
    CHECK(user.get(path + "/environments").data()["environments"].size()
          == 2);
  }
  // An unknown organization is still unknown (no actor made up for it).
  CHECK(admin.get("/api/v1/orgs/no-such-org/environments").status == 404);
}

TEST_CASE_METHOD(org_fixture, "first requests to one organization at once "
                              "meet one actor: its jobs run one at a time "
                              "and its tree holds every new environment") {
  // A few organizations, so that a race lost once is still caught.
  constexpr size_t orgs = 5;
  std::vector<std::pair<std::string, std::string>> users;  // org, token
  for (size_t o = 0; o < orgs; ++o) {
    auto name = "race-" + std::to_string(o);
    REQUIRE(admin.post("/api/v1/orgs", {{"name", name}}).status == 201);
    auto user = admin.post("/api/v1/orgs/" + name + "/users",
                           {{"name", "u"}});
    REQUIRE(user.status == 201);
    users.emplace_back(name, user.data()["token"].get<std::string>());
  }
  restart(*this);
  for (auto& [name, token] : users) {
    INFO("org " << name);
    http_client user = http_client{server.port()}.with_token(token);
    auto path = "/api/v1/orgs/" + name;
    constexpr size_t creates = 8;
    std::vector<response> answers(creates);
    all_at_once(creates, [&](size_t i) {
      answers[i] = user.post(path + "/jobs",
                             {{"name", "Create"},
                              {"type", "create_environment"},
                              {"base_environment", "main"},
                              {"new_environment", "c" + std::to_string(i)},
                              {"schedule", {{"kind", "now"}}}});
    });
    // One actor runs one environment job at a time: the others are
    // refused while it runs (or start after it). Two actors would accept
    // two at once, and each would hold part of the tree.
    std::vector<json> runs;
    for (auto& answer : answers) {
      INFO(answer.body);
      if (answer.status == 201) {
        std::string run_id = answer.data()["run"]["id"];
        REQUIRE(eventually([&] {
          auto run = user.get(path + "/runs/" + run_id).data();
          if (run["status"] == "queued" || run["status"] == "running")
            return false;
          runs.push_back(run);
          return true;
        }));
        CHECK(runs.back()["status"] == "succeeded");
      } else {
        CHECK(answer.status == 409);
        CHECK(answer.error_code() == "job_in_progress");
      }
    }
    REQUIRE_FALSE(runs.empty());
    CHECK(user.get(path + "/environments").data()["environments"].size()
          == runs.size() + 1);
    std::sort(runs.begin(), runs.end(), [](const json& a, const json& b) {
      return a["started_at"].get<std::string>()
             < b["started_at"].get<std::string>();
    });
    for (size_t i = 1; i < runs.size(); ++i)
      CHECK(runs[i - 1]["finished_at"].get<std::string>()
            <= runs[i]["started_at"].get<std::string>());
  }
}

TEST_CASE_METHOD(org_fixture, "a recurring job of an organization nobody "
                              "touched since the start fires") {
  create_environment("main", "staging");
  auto job = alice.post(org_path() + "/jobs",
                        {{"name", "Every second"},
                         {"type", "sync_environments"},
                         {"base_environment", "main"},
                         {"target_environment", "staging"},
                         {"schedule", {{"kind", "interval"},
                                       {"every_seconds", 1}}}});
  REQUIRE(job.status == 201);
  std::string job_id = job.data()["job"]["id"];
  REQUIRE(server.stop() == 0);
  store_inspector files{server.data_dir()};
  auto runs_before = files.count("SELECT count(*) FROM runs WHERE job_id = "
                                 + job_id);
  server.start();
  reconnect();
  // Only reads of the control plane from here (they start no actor): the
  // firing is the organization's first use.
  CHECK(eventually([&] {
    return files.count("SELECT count(*) FROM runs WHERE job_id = " + job_id
                       + " AND status = 'succeeded' AND trigger = "
                         "'schedule'")
           > runs_before;
  }));
}

TEST_CASE_METHOD(org_fixture, "the start-up sweep removes the leftovers of "
                              "organizations nobody touched, and nothing "
                              "else") {
  put_entry("main", "kept", "Kept", "still here after the sweep");
  store_inspector files{server.data_dir()};
  REQUIRE(server.stop() == 0);
  auto main_dir = files.environment_dir(org, "main");
  auto before = files.checksums(org, "main");
  auto root = server.var_dir() / "environments";
  auto last_key = files.count(
    "SELECT value FROM counters WHERE name = 'environment_key'");
  // What a dead process may leave: a generation nobody switched to, a
  // directory whose environment row was never written, and junk.
  auto dead_generation = main_dir.parent_path() / "g99";
  fs::create_directories(dead_generation);
  std::ofstream{dead_generation / "content.db"} << "half-written";
  fs::create_directories(root / "0" / "g1");
  fs::create_directories(root / "not-a-key");
  // A directory newer than every key handed out is an environment being
  // created right now: the sweep must leave it.
  auto newer = root / std::to_string(last_key + 1000);
  fs::create_directories(newer / "g1");
  auto log = server.data_dir() / "sweep.log";
  server.restart_settings(log, {});
  server.start();
  reconnect();
  REQUIRE(eventually(
    [&] { return read_file(log).find("start-up sweep:") != std::string::npos; }));
  CHECK(read_file(log).find("start-up sweep: 3 leftover") != std::string::npos);
  CHECK_FALSE(fs::exists(dead_generation));
  CHECK_FALSE(fs::exists(root / "0"));
  CHECK_FALSE(fs::exists(root / "not-a-key"));
  CHECK(fs::exists(newer / "g1"));
  fs::remove_all(newer);
  CHECK(files.leftovers().empty());
  CHECK(files.checksums(org, "main") == before);
  CHECK(alice.get(env_path("main") + "/entries/kept").status == 200);
}
