// The server's structured log (--log-format json, --log-level): one JSON
// object a line, a line per request (route pattern, status, latency,
// organization, never a token), run lifecycle lines, and a 500's error id
// in the log as the client saw it. And every `serve` flag from the
// environment (DOWNHILL_<FLAG>).
#include "org_fixture.hpp"
#include "server_process.hpp"
#include "../unit/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

using namespace downhill::testing;
using namespace std::chrono_literals;

namespace {

/// Every line of the log file, each parsed as JSON (a line that is not
/// JSON fails the test).
std::vector<json> json_lines(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    INFO("log line: " << line);
    REQUIRE_NOTHROW(out.push_back(json::parse(line)));
    auto& l = out.back();
    REQUIRE(l.is_object());
    CHECK(l["ts"].is_string());
    CHECK(l["level"].is_string());
    CHECK(l["msg"].is_string());
  }
  return out;
}

/// The lines with `msg`, matching every key of `with`.
std::vector<json> find(const std::vector<json>& lines, const std::string& msg,
                       const json& with = json::object()) {
  std::vector<json> out;
  for (auto& l : lines) {
    if (l["msg"] != msg)
      continue;
    bool all = true;
    for (auto& [k, v] : with.items())
      all = all && l.contains(k) && l[k] == v;
    if (all)
      out.push_back(l);
  }
  return out;
}

/// Polls the log until a line `msg` matching `with` is there (the server
/// writes it after answering).
std::vector<json> wait_for_line(const std::filesystem::path& file,
                                const std::string& msg, const json& with) {
  auto until = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto lines = json_lines(file);
    if (!find(lines, msg, with).empty())
      return lines;
    if (std::chrono::steady_clock::now() > until)
      FAIL("no log line " << msg << " " << with.dump());
    std::this_thread::sleep_for(20ms);
  }
}

/// Sets an environment variable for the scope (the servers a test starts
/// inherit it).
struct scoped_env {
  scoped_env(const char* name, const std::string& value) : name(name) {
    setenv(name, value.c_str(), 1);
  }
  ~scoped_env() { unsetenv(name); }
  const char* name;
};

} // namespace

TEST_CASE_METHOD(org_fixture, "the JSON log (--log-format json) has one "
                              "object a line: requests with their route, "
                              "status, latency and organization, and run "
                              "life cycles") {
  scratch_dir scratch;
  auto log = scratch.path / "server.log";
  REQUIRE(server.stop() == 0);
  server.restart_settings(log, {"--log-format", "json"});
  server.start();
  reconnect();

  create_environment("main", "staging");
  wait_for_line(log, "run finished", {{"org", org}, {"status", "succeeded"}});
  // Lines are written on the server's log thread, after the answers: wait
  // for the last one this test reads.
  auto lines = wait_for_line(log, "request",
                             {{"route", "/api/v1/orgs/{org}/runs/{run}"}});

  auto listening = find(lines, "listening");
  REQUIRE(listening.size() == 1);
  CHECK(listening[0]["version"].is_string());
  CHECK(listening[0]["data_dir"] == server.var_dir().string());
  CHECK(listening[0]["address"]
        == "127.0.0.1:" + std::to_string(server.port()));

  // The submission: its route's pattern (not its path), status, latency,
  // organization and caller.
  auto submit = find(lines, "request",
                     {{"method", "POST"},
                      {"route", "/api/v1/orgs/{org}/jobs"},
                      {"status", 201}});
  REQUIRE(submit.size() == 1);
  CHECK(submit[0]["org"] == org);
  CHECK(submit[0]["caller"] == "alice");
  CHECK(submit[0]["level"] == "info");
  CHECK(submit[0]["latency_ms"].is_number());
  CHECK(submit[0]["latency_ms"].get<double>() >= 0);
  // Polls of the run are logged under the pattern too.
  CHECK_FALSE(find(lines, "request",
                   {{"route", "/api/v1/orgs/{org}/runs/{run}"}})
                .empty());

  // The run's life: started (a create runs at once), then finished.
  auto finished = find(lines, "run finished", {{"org", org}});
  REQUIRE(finished.size() == 1);
  CHECK(finished[0]["type"] == "create_environment");
  CHECK(finished[0]["duration_ms"].is_number());
  auto run = finished[0]["run"];
  CHECK(find(lines, "run started", {{"run", run}}).size() == 1);

  // A refused request is logged with its status; no line holds a token.
  CHECK(http_client{server.port(), "not-a-valid-token"}
          .get(org_path() + "/runs")
          .status
        == 401);
  // Refused at its headers, it is still logged under its route.
  lines = wait_for_line(log, "request",
                        {{"status", 401}, {"route", "/api/v1/orgs/{org}/runs"}});
  std::ifstream in{log};
  std::stringstream whole;
  whole << in.rdbuf();
  CHECK(whole.str().find(alice_token()) == std::string::npos);
  CHECK(whole.str().find(server.admin_token()) == std::string::npos);
  CHECK(whole.str().find("not-a-valid-token") == std::string::npos);
}

TEST_CASE_METHOD(org_fixture, "a 500's error id is in the request's log "
                              "line and in the line with the details") {
  scratch_dir scratch;
  auto log = scratch.path / "server.log";
  REQUIRE(server.stop() == 0);
  server.restart_settings(log, {"--log-format", "json"});
  {
    // Test-only: the control plane fails to store the next recurring job.
    scoped_env fault{"DOWNHILL_FAULT_AT", "job-insert"};
    server.start();
  }
  reconnect();
  create_environment("main", "staging");
  auto r = alice.post(org_path() + "/jobs",
                      {{"name", "Nightly"},
                       {"type", "sync_environments"},
                       {"base_environment", "main"},
                       {"target_environment", "staging"},
                       {"schedule", {{"kind", "daily"}, {"at", "02:30"}}}});
  REQUIRE(r.status == 500);
  std::string id = r.data()["error"]["error_id"];
  auto lines = wait_for_line(log, "request", {{"error_id", id}});
  auto request = find(lines, "request", {{"error_id", id}});
  REQUIRE(request.size() == 1);
  CHECK(request[0]["status"] == 500);
  CHECK(request[0]["route"] == "/api/v1/orgs/{org}/jobs");
  auto details = find(lines, "internal error", {{"error_id", id}});
  REQUIRE(details.size() == 1);
  CHECK(details[0]["level"] == "error");
  CHECK(details[0]["detail"].get<std::string>().find("job-insert")
        != std::string::npos);
}

TEST_CASE_METHOD(org_fixture, "the log level (--log-level warning) leaves "
                              "out info lines, and text is the default "
                              "format") {
  scratch_dir scratch;
  auto quiet = scratch.path / "quiet.log";
  REQUIRE(server.stop() == 0);
  server.restart_settings(quiet, {"--log-format", "json", "--log-level",
                                  "warning"});
  server.start();
  reconnect();
  create_environment("main", "staging");
  REQUIRE(alice.get(org_path() + "/runs").status == 200);
  REQUIRE(server.stop() == 0);
  for (auto& line : json_lines(quiet))
    CHECK(line["level"] != "info");

  auto text = scratch.path / "text.log";
  server.restart_settings(text, {});
  server.start();
  reconnect();
  REQUIRE(alice.get(org_path() + "/runs").status == 200);
  REQUIRE(server.stop() == 0);
  std::ifstream in{text};
  std::stringstream whole;
  whole << in.rdbuf();
  CHECK(whole.str().find("downhill: request method=GET "
                         "route=/api/v1/orgs/{org}/runs status=200")
        != std::string::npos);
}

TEST_CASE("a malformed setting in a DOWNHILL_ environment variable exits "
          "2 like its flag, before the data directory is touched") {
  scratch_dir scratch;
  auto var = scratch.path / "var";
  {
    // A malformed value from the environment is refused like the flag's,
    // before the data directory (also from the environment) is touched.
    scoped_env dir{"DOWNHILL_DATA_DIR", var.string()};
    scoped_env listen{"DOWNHILL_LISTEN", "nonsense"};
    auto r = run_downhill({"serve"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--listen must be HOST:PORT") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(var));
  }
  for (auto [name, value] :
       std::vector<std::pair<const char*, const char*>>{
         {"DOWNHILL_COPY_RATE_LIMIT", "fast"},
         {"DOWNHILL_MAX_CONNECTIONS_PER_ADDRESS", "0"},
         {"DOWNHILL_LOG_FORMAT", "xml"},
         {"DOWNHILL_LOG_LEVEL", "loud"},
         {"DOWNHILL_ADMIN_TOKEN_FILE", "/nonexistent/token"}}) {
    scoped_env dir{"DOWNHILL_DATA_DIR", var.string()};
    scoped_env bad{name, value};
    auto r = run_downhill({"serve", "--listen", "127.0.0.1:0"});
    INFO(name << "=" << value << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(var));
  }
}

TEST_CASE("a server configured by the environment alone uses its data "
          "directory and address, and a flag on the command line wins") {
  scratch_dir scratch;
  // The port of a server that runs already: a second one claims its data
  // directory, then fails to listen there (exit 1, where a malformed
  // setting would be exit 2).
  server_process first;
  auto taken = "127.0.0.1:" + std::to_string(first.port());
  {
    auto var = scratch.path / "from-env";
    scoped_env dir{"DOWNHILL_DATA_DIR", var.string()};
    scoped_env listen{"DOWNHILL_LISTEN", taken};
    scoped_env format{"DOWNHILL_LOG_FORMAT", "json"};
    auto r = run_downhill({"serve"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(std::filesystem::exists(var / "downhill.lock"));
  }
  {
    auto var = scratch.path / "from-flags";
    scoped_env dir{"DOWNHILL_DATA_DIR", (scratch.path / "unused").string()};
    scoped_env listen{"DOWNHILL_LISTEN", "nonsense"};
    scoped_env level{"DOWNHILL_LOG_LEVEL", "loud"};
    auto r = run_downhill({"serve", "--data-dir", var.string(), "--listen",
                           taken, "--log-level", "info"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(std::filesystem::exists(var / "downhill.lock"));
    CHECK_FALSE(std::filesystem::exists(scratch.path / "unused"));
  }
}
