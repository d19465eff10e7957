// Every client command of the CLI (docs/cli.md) against a real server: its
// table and its --json, its exit code, and how it behaves in a pipe, on
// Ctrl-C and with no server at all.
#include "cli_process.hpp"
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <thread>

using namespace downhill::testing;

namespace {

using env_map = std::map<std::string, std::string>;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A progress bar line: "LABEL [###...]  42%".
bool is_bar(const std::string& line) {
  return contains(line, "] ") && line.back() == '%'
         && line.rfind("  #", 0) != 0;
}

struct cli_fixture : org_fixture {
  explicit cli_fixture(std::vector<std::string> server_args = {})
    : org_fixture(std::move(server_args)) {}

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server.port());
  }
  /// How a user sets the CLI up: the server and the token in the
  /// environment.
  env_map as_alice(env_map more = {}) const {
    more["DOWNHILL_SERVER"] = url();
    more["DOWNHILL_TOKEN"] = alice_token();
    return more;
  }
  env_map as_admin() const {
    return {{"DOWNHILL_SERVER", url()},
            {"DOWNHILL_ADMIN_TOKEN", server.admin_token()}};
  }
  /// A finished Create of `alias`; its run id.
  std::string finished_create(const std::string& alias) {
    auto r = submit_create("main", alias);
    REQUIRE(r.status == 201);
    std::string id = r.data()["run"]["id"];
    REQUIRE(wait_for_run(id)["status"] == "succeeded");
    return id;
  }
};

/// Copies paced so that a Create of main takes seconds: long enough to
/// read progress, press Ctrl-C and find the run still running.
struct slow_cli_fixture : cli_fixture {
  explicit slow_cli_fixture(const char* copy_rate = "1M")
      : cli_fixture({"--copy-rate-limit", copy_rate}) {
    fill("main", "base", 32, 128 * 1024);  // about 4 MiB: 4 s and more
  }
  std::string start_slow_create(const std::string& alias) {
    auto r = submit_create("main", alias);
    REQUIRE(r.status == 201);
    return r.data()["run"]["id"];
  }
  /// Cancels the run through the API and waits for it to end (so the
  /// server stops at once at the end of the test).
  void cancel_and_wait(const std::string& run_id) {
    alice.post(org_path() + "/runs/" + run_id + "/cancel", json::object());
    wait_for_run(run_id);
  }
};

} // namespace

// --- runs ------------------------------------------------------------------

TEST_CASE_METHOD(cli_fixture, "runs list shows the runs newest first as a "
                              "table, and --json the API's page") {
  auto first = finished_create("staging");
  auto second = finished_create("qa");
  auto table = run_cli({"runs", "list"}, as_alice());
  INFO(table.out << table.err);
  REQUIRE(table.exit_code == 0);
  auto lines = lines_of(table.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("RUN", 0) == 0);
  CHECK(lines[1].rfind(second + " ", 0) == 0);
  CHECK(contains(lines[1], "succeeded"));
  CHECK(contains(lines[1], "main -> qa"));
  CHECK(lines[2].rfind(first + " ", 0) == 0);

  auto page = run_cli({"runs", "list", "--json", "--limit", "1"}, as_alice());
  REQUIRE(page.exit_code == 0);
  auto parsed = json::parse(page.out);
  REQUIRE(parsed["runs"].size() == 1);
  CHECK(parsed["runs"][0]["id"] == second);
  CHECK(parsed["next"].dump() == second);  // a number

  auto next = run_cli({"runs", "list", "--limit", "1", "--before", second},
                      as_alice());
  REQUIRE(next.exit_code == 0);
  CHECK(lines_of(next.out).at(1).rfind(first + " ", 0) == 0);
  CHECK(contains(next.err, "more: downhill runs list --before " + first));
}

TEST_CASE_METHOD(cli_fixture, "runs show prints a run's summary and tasks, "
                              "runs logs its log lines, --json both as the "
                              "API has them") {
  auto id = finished_create("staging");
  auto run = get_run(id);
  auto shown = run_cli({"runs", "show", id}, as_alice());
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  CHECK(contains(shown.out, "run " + id + ": Create staging"));
  CHECK(contains(shown.out, "status    succeeded"));
  CHECK(contains(shown.out, "Sync Database Data  succeeded"));
  auto as_json = run_cli({"runs", "show", id, "--json"}, as_alice());
  REQUIRE(as_json.exit_code == 0);
  CHECK(json::parse(as_json.out)["total_logs"] == run["total_logs"]);

  auto logs = run_cli({"runs", "logs", id}, as_alice());
  REQUIRE(logs.exit_code == 0);
  auto lines = lines_of(logs.out);
  CHECK(static_cast<int>(lines.size()) == run["total_logs"].get<int>());
  CHECK(contains(lines.front(), "#1 [info] "));
  CHECK(contains(lines.back(), "uccessfully"));  // either task ends last
  auto logs_json = run_cli({"runs", "logs", id, "--json", "--after", "3"},
                           as_alice());
  REQUIRE(logs_json.exit_code == 0);
  auto json_lines = lines_of(logs_json.out);
  REQUIRE(static_cast<int>(json_lines.size())
          == run["total_logs"].get<int>() - 3);
  CHECK(json::parse(json_lines.front())["seq"] == 4);
}

TEST_CASE_METHOD(cli_fixture, "runs watch and runs logs --follow of a run "
                              "that has ended print it all and exit by its "
                              "outcome") {
  auto id = finished_create("staging");
  auto watched = run_cli({"runs", "watch", id}, as_alice());
  INFO(watched.out << watched.err);
  CHECK(watched.exit_code == 0);
  CHECK(contains(watched.out, "run " + id + " succeeded in "));
  CHECK(contains(watched.out, "Indexed Data Synced Successfully"));
  auto followed = run_cli({"runs", "logs", id, "--follow"}, as_alice());
  CHECK(followed.exit_code == 0);
  CHECK(static_cast<int>(lines_of(followed.out).size())
        == get_run(id)["total_logs"].get<int>());
  CHECK(contains(followed.err, "run " + id + " succeeded"));
}

TEST_CASE_METHOD(cli_fixture, "runs show, logs and cancel of an unknown or "
                              "ended run are refused with exit 4 and the "
                              "API's reason") {
  auto id = finished_create("staging");
  auto cancel = run_cli({"runs", "cancel", id}, as_alice());
  CHECK(cancel.exit_code == 4);
  CHECK(contains(cancel.err, "not_running"));
  for (auto command : {"show", "logs", "watch", "cancel"}) {
    auto r = run_cli({"runs", command, "999"}, as_alice());
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 4);
    CHECK(contains(r.err, "404 not_found"));
    CHECK(lines_of(r.err).size() == 1);
  }
}

// --- following a live run: pipes, widths, Ctrl-C ----------------------------

TEST_CASE_METHOD(slow_cli_fixture, "jobs run through a pipe prints progress "
                                   "lines while the run is still running") {
  cli_process child{{"jobs", "run", "--type", "create_environment", "--name",
                     "Make staging", "--base", "main", "--target", "staging"},
                    as_alice()};
  auto line = child.wait_for_line(is_bar);
  // The line came through the pipe before the run ended: not held in a
  // block buffer until exit.
  auto runs = alice.get(org_path() + "/runs").data()["runs"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["status"] == "running");
  auto r = child.finish();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, " succeeded in "));
}

/// Copies paced so that a sync lasts about half a second: a CLI started
/// with it attaches while it runs, even under a sanitizer, and gets its
/// progress (a sync over in milliseconds may end before the CLI attaches,
/// which then prints its log lines alone).
struct paced_cli_fixture : slow_cli_fixture {
  paced_cli_fixture() : slow_cli_fixture("8M") {}
};

TEST_CASE_METHOD(paced_cli_fixture, "every progress bar fits the terminal "
                                    "width, 80 columns included") {
  create_environment("main", "staging");
  for (int columns : {80, 40, 24}) {
    auto r = run_cli({"jobs", "run", "--name", "Sync", "--base", "main",
                      "--target", "staging"},
                     as_alice({{"COLUMNS", std::to_string(columns)}}));
    INFO(columns << " columns:\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    int bars = 0;
    for (auto& line : lines_of(r.out))
      if (is_bar(line)) {
        ++bars;
        CHECK(static_cast<int>(line.size()) <= columns);
        CHECK(contains(line, "["));
      }
    CHECK(bars >= 1);
  }
}

TEST_CASE_METHOD(slow_cli_fixture, "on a terminal the bars are redrawn in "
                                   "place on one line that fits its width, "
                                   "80 columns included") {
  // A paced sync (seconds long), so that the CLI sees it move: a sync over
  // in milliseconds reports only its phases' starts and ends, and a CLI
  // that attaches after its end gets its log lines alone.
  create_environment("main", "staging");
  for (int columns : {80, 50}) {
    auto r = run_cli_on_terminal({"jobs", "run", "--name", "Sync", "--base",
                                  "main", "--target", "staging"},
                                 as_alice(), columns);
    INFO(columns << " columns:\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "\r\033[K"));  // redrawn in place
    // What the terminal shows between returns: never wider than it (one
    // column stays free, or it would wrap).
    std::string clean;
    for (size_t i = 0; i < r.out.size(); ++i) {
      if (r.out.compare(i, 3, "\033[K") == 0)
        i += 2;
      else
        clean += r.out[i];
    }
    int redraws = 0;
    size_t start = 0;
    for (size_t i = 0; i <= clean.size(); ++i)
      if (i == clean.size() || clean[i] == '\r' || clean[i] == '\n') {
        auto shown = clean.substr(start, i - start);
        if (shown.find("%") != std::string::npos && shown.find(" #") == std::string::npos) {
          ++redraws;
          CHECK(static_cast<int>(shown.size()) < columns);
        }
        start = i + 1;
      }
    CHECK(redraws >= 2);
  }
}

TEST_CASE_METHOD(slow_cli_fixture, "Ctrl-C during jobs run leaves the run "
                                   "running, says how to cancel it, exits "
                                   "130, and runs cancel then cancels it") {
  cli_process child{{"jobs", "run", "--type", "create_environment", "--name",
                     "Make staging", "--base", "main", "--target", "staging"},
                    as_alice()};
  child.wait_for_line(is_bar);
  child.interrupt();
  auto r = child.finish();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  auto runs = alice.get(org_path() + "/runs").data()["runs"];
  REQUIRE(runs.size() == 1);
  std::string id = runs[0]["id"];
  CHECK(r.err == "downhill: run " + id
                   + " continues on the server; cancel it with `downhill "
                     "runs cancel "
                   + id + "`\n");
  CHECK(get_run(id)["status"] == "running");

  auto cancel = run_cli({"runs", "cancel", id}, as_alice());
  INFO(cancel.err);
  CHECK(cancel.exit_code == 0);
  CHECK(contains(cancel.out, "run " + id + " cancelling"));
  CHECK(wait_for_run(id)["status"] == "cancelled");
  // A followed run that did not succeed: exit 1.
  auto watched = run_cli({"runs", "watch", id}, as_alice());
  CHECK(watched.exit_code == 1);
  CHECK(contains(watched.out, "run " + id + " cancelled in "));
}

TEST_CASE_METHOD(slow_cli_fixture, "runs watch re-attaches to a running "
                                   "run, runs logs --follow streams its "
                                   "lines, and Ctrl-C leaves both with 130") {
  auto id = start_slow_create("staging");
  {
    cli_process watch{{"runs", "watch", id}, as_alice()};
    watch.wait_for_line(is_bar);
    watch.interrupt();
    auto r = watch.finish();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 130);
    CHECK(contains(r.err, "run " + id + " continues on the server; cancel it "
                            "with `downhill runs cancel " + id + "`"));
  }
  {
    cli_process logs{{"runs", "logs", id, "-f"}, as_alice()};
    auto line = logs.wait_for_line(
      [](const std::string& l) { return contains(l, " [info] "); });
    CHECK(line.rfind("#1 ", 0) == 0);
    logs.interrupt();
    auto r = logs.finish();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 130);
    CHECK(contains(r.err, "cancel it with `downhill runs cancel " + id + "`"));
  }
  CHECK(get_run(id)["status"] == "running");
  cancel_and_wait(id);
}

TEST_CASE_METHOD(slow_cli_fixture, "jobs run --json streams one JSON object "
                                   "per line while the run goes on") {
  cli_process child{{"jobs", "run", "--json", "--type", "create_environment",
                     "--name", "Make staging", "--base", "main", "--target",
                     "staging"},
                    as_alice()};
  auto first = json::parse(child.wait_for_line(
    [](const std::string&) { return true; }));
  REQUIRE(first["run"].is_object());
  std::string id = first["run"]["id"];
  auto progress = json::parse(child.wait_for_line([](const std::string& l) {
    return contains(l, "\"type\":\"progress\"");
  }));
  CHECK(progress["run_id"] == id);
  CHECK(get_run(id)["status"] == "running");
  cancel_and_wait(id);
  auto r = child.finish();
  CHECK(r.exit_code == 1);
  auto last = json::parse(lines_of(r.out).back());
  INFO(r.out);
  CHECK(last["type"] == "run");
  CHECK(last["run"]["status"] == "cancelled");
  for (auto& line : lines_of(r.out))
    CHECK_NOTHROW(json::parse(line));
}

// --- recurring jobs -----------------------------------------------------------

TEST_CASE_METHOD(cli_fixture, "jobs run --schedule makes a recurring job, and "
                              "recurring list, pause, resume and delete "
                              "manage it") {
  create_environment("main", "staging");
  auto made = run_cli({"jobs", "run", "--name", "Nightly", "--base", "main",
                       "--target", "staging", "--schedule", "daily 02:30",
                       "--timezone", "Europe/Berlin"},
                      as_alice());
  INFO(made.out << made.err);
  REQUIRE(made.exit_code == 0);
  auto listed = alice.get(org_path() + "/recurring-jobs").data();
  REQUIRE(listed["recurring_jobs"].size() == 1);
  auto job = listed["recurring_jobs"][0];
  std::string id = job["job_id"];
  CHECK(job["schedule"] == json{{"kind", "daily"},
                                {"at", "02:30"},
                                {"timezone", "Europe/Berlin"}});
  CHECK(contains(made.out, "recurring job " + id + ": Nightly"));

  auto table = run_cli({"recurring", "list"}, as_alice());
  REQUIRE(table.exit_code == 0);
  auto lines = lines_of(table.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].rfind(id + " ", 0) == 0);
  CHECK(contains(lines[1], "active"));
  CHECK(contains(lines[1], "daily 02:30 Europe/Berlin"));
  auto as_json = run_cli({"recurring", "list", "--json"}, as_alice());
  CHECK(json::parse(as_json.out)["recurring_jobs"][0]["job_id"] == id);

  auto paused = run_cli({"recurring", "pause", id, "--json"}, as_alice());
  REQUIRE(paused.exit_code == 0);
  CHECK(json::parse(paused.out)["state"] == "paused");
  CHECK(alice.get(org_path() + "/recurring-jobs").data()["recurring_jobs"][0]
          ["state"]
        == "paused");
  auto resumed = run_cli({"recurring", "resume", id}, as_alice());
  CHECK(resumed.exit_code == 0);
  CHECK(contains(resumed.out, "recurring job " + id + " active"));
  auto deleted = run_cli({"recurring", "delete", id}, as_alice());
  CHECK(deleted.exit_code == 0);
  CHECK(alice.get(org_path() + "/recurring-jobs").data()["recurring_jobs"]
          .empty());
  auto again = run_cli({"recurring", "delete", id}, as_alice());
  CHECK(again.exit_code == 4);
  CHECK(contains(again.err, "404"));
}

TEST_CASE_METHOD(cli_fixture, "each --schedule form reaches the server as "
                              "its schedule, and a malformed one exits 2 and "
                              "submits nothing") {
  create_environment("main", "staging");
  std::vector<std::pair<std::string, json>> forms{
    {"hourly 5", {{"kind", "hourly"}, {"minute", 5}}},
    {"weekly mon 02:30", {{"kind", "weekly"}, {"day", "mon"}, {"at", "02:30"}}},
    {"every 15m", {{"kind", "interval"}, {"every_seconds", 900}}},
    {"cron */15 * * * *", {{"kind", "cron"}, {"expression", "*/15 * * * *"}}},
    {R"({"kind":"interval","every_seconds":60})",
     {{"kind", "interval"}, {"every_seconds", 60}}}};
  int n = 0;
  for (auto& [text, expected] : forms) {
    auto r = run_cli({"jobs", "run", "--name", "Job " + std::to_string(++n),
                      "--base", "main", "--target", "staging", "--schedule",
                      text, "--json"},
                     as_alice());
    INFO(text << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto schedule = json::parse(r.out)["job"]["schedule"];
    for (auto& [key, value] : expected.items())
      CHECK(schedule[key] == value);
  }
  auto before = alice.get(org_path() + "/jobs").data()["jobs"].size();
  for (auto bad : {"yearly", "daily", "every -5", "every 5x", "hourly x"}) {
    auto r = run_cli({"jobs", "run", "--name", "Bad", "--base", "main",
                      "--target", "staging", "--schedule", bad},
                     as_alice());
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "--schedule"));
  }
  // Well-formed for the CLI, refused by the server's rules: 4.
  auto refused = run_cli({"jobs", "run", "--name", "Bad", "--base", "main",
                          "--target", "staging", "--schedule", "daily 25:99"},
                         as_alice());
  CHECK(refused.exit_code == 4);
  CHECK(contains(refused.err, "invalid_schedule"));
  CHECK(alice.get(org_path() + "/jobs").data()["jobs"].size() == before);
}

// --- first set-up --------------------------------------------------------------

TEST_CASE_METHOD(cli_fixture, "orgs create and users create set a server up "
                              "with the admin token, and the printed token "
                              "works") {
  auto org = run_cli({"orgs", "create", "globex"}, as_admin());
  INFO(org.out << org.err);
  REQUIRE(org.exit_code == 0);
  CHECK(contains(org.out, "organization globex created"));
  auto twice = run_cli({"orgs", "create", "globex"}, as_admin());
  CHECK(twice.exit_code == 4);
  CHECK(contains(twice.err, "already_exists"));

  auto user = run_cli({"users", "create", "bob", "--org", "globex"},
                      as_admin());
  REQUIRE(user.exit_code == 0);
  auto token = lines_of(user.out).back();
  auto me = alice.with_token(token).get("/api/v1/me");
  REQUIRE(me.status == 200);
  CHECK(me.data()["org"] == "globex");
  CHECK(me.data()["user"] == "bob");
  auto as_json = run_cli({"users", "create", "carol", "--org", "globex",
                          "--json"},
                         as_admin());
  REQUIRE(as_json.exit_code == 0);
  CHECK(json::parse(as_json.out)["name"] == "carol");

  auto no_org = run_cli({"users", "create", "dave"}, as_admin());
  CHECK(no_org.exit_code == 2);
  CHECK(contains(no_org.err, "--org"));
  // A user's token on an admin route: refused, 4.
  auto by_user = run_cli({"orgs", "create", "initech", "--token",
                          alice_token()},
                         {{"DOWNHILL_SERVER", url()}});
  CHECK(by_user.exit_code == 4);
  CHECK(contains(by_user.err, "403"));
}

TEST_CASE_METHOD(cli_fixture, "the admin token reaches an organization's "
                              "runs with --org, and without it is told to "
                              "give one") {
  auto id = finished_create("staging");
  env_map admin_env{{"DOWNHILL_SERVER", url()},
                    {"DOWNHILL_TOKEN", server.admin_token()}};
  auto without = run_cli({"runs", "list"}, admin_env);
  CHECK(without.exit_code == 2);
  CHECK(contains(without.err, "--org"));
  auto with = run_cli({"runs", "show", id, "--org", org}, admin_env);
  CHECK(with.exit_code == 0);
  CHECK(contains(with.out, "run " + id + ": Create staging"));
}

// --- exit codes -------------------------------------------------------------

TEST_CASE("with no server at --server every command says so in one line "
          "and exits 3") {
  // A port that was just free: nothing listens there.
  uint16_t port;
  {
    server_process gone;
    port = gone.port();
    gone.stop();
  }
  auto url = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::vector<std::string>> commands{
    {"runs", "list"},
    {"runs", "show", "1"},
    {"runs", "logs", "1"},
    {"runs", "logs", "1", "--follow", "--org", "acme"},
    {"runs", "watch", "1", "--org", "acme"},
    {"runs", "cancel", "1"},
    {"recurring", "list"},
    {"recurring", "pause", "1"},
    {"jobs", "run", "--name", "n", "--base", "main", "--target", "b"},
    {"orgs", "create", "acme"},
    {"users", "create", "bob", "--org", "acme"}};
  for (auto& command : commands) {
    auto r = run_cli(command, {{"DOWNHILL_SERVER", url},
                               {"DOWNHILL_TOKEN", "some-token"},
                               {"DOWNHILL_ADMIN_TOKEN", "some-token"}});
    INFO(command[0] << " " << command[1] << ": " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err == "downhill: cannot reach the server at " + url
                     + " (Connection refused)\n");
  }
}

TEST_CASE_METHOD(cli_fixture, "exit codes: a bad token 4, a missing or "
                              "unknown flag 2, no token 2") {
  auto bad = run_cli({"runs", "list", "--token", "not-a-token"},
                     {{"DOWNHILL_SERVER", url()}});
  CHECK(bad.exit_code == 4);
  CHECK(contains(bad.err, "401 unauthorized"));
  auto bad_run = run_cli({"jobs", "run", "--token", "not-a-token", "--name",
                          "n", "--base", "main", "--target", "b"},
                         {{"DOWNHILL_SERVER", url()}});
  CHECK(bad_run.exit_code == 4);
  auto missing = run_cli({"jobs", "run", "--name", "n"}, as_alice());
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "--base"));
  auto unknown = run_cli({"runs", "list", "--colour"}, as_alice());
  CHECK(unknown.exit_code == 2);
  auto no_command = run_cli({"runs"}, as_alice());
  CHECK(no_command.exit_code == 2);
  auto no_token = run_cli({"runs", "list"}, {{"DOWNHILL_SERVER", url()}});
  CHECK(no_token.exit_code == 2);
  CHECK(contains(no_token.err, "--token"));
  // A job rule broken: refused by the server, 4, with its code.
  auto rule = run_cli({"jobs", "run", "--name", "n", "--base", "main",
                       "--target", "main"},
                      as_alice());
  CHECK(rule.exit_code == 4);
  CHECK(contains(rule.err, "400"));
}

TEST_CASE_METHOD(cli_fixture, "the flags --server and --token win over "
                              "the environment") {
  auto r = run_cli({"runs", "list", "--server", url(), "--token",
                    alice_token()},
                   {{"DOWNHILL_SERVER", "http://127.0.0.1:1"},
                    {"DOWNHILL_TOKEN", "wrong"}});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "no runs"));
}

TEST_CASE_METHOD(slow_cli_fixture, "a server that goes away while a run is "
                                   "followed gets one line saying how to "
                                   "re-attach, exit 3") {
  auto id = start_slow_create("staging");
  cli_process watch{{"runs", "watch", id}, as_alice()};
  watch.wait_for_line(is_bar);
  server.kill_hard();
  auto r = watch.finish();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "downhill: the connection to the server closed before run "
                   + id + " ended; `downhill runs watch " + id
                   + "` re-attaches\n");
}

namespace {

/// Something that is not downhill on a loopback port: answers every
/// request with `answer` (a whole HTTP response), until destroyed.
class impostor {
public:
  explicit impostor(std::string answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread{[this] {
      for (;;) {
        int client = accept(fd_, nullptr, nullptr);
        if (client < 0)
          return;  // the listening socket was shut down
        char buf[4096];
        (void)!read(client, buf, sizeof(buf));  // the request's head
        (void)!write(client, answer_.data(), answer_.size());
        close(client);
      }
    }};
  }
  ~impostor() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

private:
  std::string answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

} // namespace

TEST_CASE("a server that is not downhill, or fails, exits 5 with one line") {
  for (auto answer :
       {"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n"
        "<html>",
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n"
        "Connection: close\r\n\r\nbusy"}) {
    impostor other{answer};
    auto r = run_cli({"runs", "list", "--org", "acme"},
                     {{"DOWNHILL_SERVER", other.url()},
                      {"DOWNHILL_TOKEN", "some-token"}});
    INFO(answer << "\n" << r.err);
    CHECK(r.exit_code == 5);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(r.err.rfind("downhill: ", 0) == 0);
  }
}
