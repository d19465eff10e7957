// The API reference in the repository (docs/openapi.yaml), as the server
// serves it at /api/v1/openapi.json, against the server itself: every
// route the router serves is documented and nothing else is; every
// documented operation answers (not 404 or 405); the document's examples
// and the real server's answers, and its WebSocket frames, validate against
// the document's schemas (tests/server/openapi_check.py, with Debian's
// python3-jsonschema).
#include "org_fixture.hpp"
#include "ws_client.hpp"

#include "actors/core.hpp"
#include "http/router.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sys/wait.h>

using namespace downhill::testing;
using namespace std::chrono_literals;

namespace {

const std::set<std::string> http_methods{"get", "put", "post", "delete"};

json fetch_document(uint16_t port) {
  // No token: the reference is public.
  auto r = http_client{port}.get("/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  return r.data();
}

/// (METHOD, path template) of every operation in the document.
std::set<std::pair<std::string, std::string>> documented(const json& doc) {
  std::set<std::pair<std::string, std::string>> out;
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items())
      if (http_methods.count(method)) {
        auto upper = method;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        out.emplace(upper, path);
      }
  return out;
}

/// The router's own table, built as the server builds it (routes.cpp), on
/// a core of its own: the one list of routes, not a copy kept by hand.
std::set<std::pair<std::string, std::string>>
served(const std::filesystem::path& dir) {
  downhill::core::options opts;
  opts.data_dir = dir;
  opts.reader_connections = 1;
  downhill::core c{opts};
  downhill::http::router r{c, "unused"};
  downhill::http::add_api_routes(r, 1024 * 1024);
  std::set<std::pair<std::string, std::string>> out;
  for (auto& route : r.routes())
    out.emplace(route.method, route.pattern);
  c.shutdown(std::chrono::seconds(5));
  return out;
}

struct check_result {
  int exit_code = -1;
  std::string output;
};

/// Runs openapi_check.py on the document (and the samples, if any).
check_result run_checker(const std::filesystem::path& dir, const json& doc,
                         const json& samples) {
  auto spec_file = dir / "openapi.json";
  std::ofstream(spec_file) << doc.dump();
  std::string command = std::string{DOWNHILL_PYTHON3} + " "
                        + OPENAPI_CHECK_SCRIPT + " " + spec_file.string();
  if (!samples.is_null()) {
    auto samples_file = dir / "samples.json";
    std::ofstream(samples_file) << samples.dump();
    command += " " + samples_file.string();
  }
  command += " 2>&1";
  check_result result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

json sample(const std::string& method, const std::string& path,
            const response& r) {
  return json{{"method", method}, {"path", path}, {"status", r.status},
              {"body", r.body}};
}

/// The operation's request example: its `example`, else its example named
/// "sync" (job submission: a sync runs now and shows every frame kind),
/// else its first; an empty body without one.
std::string example_body(const json& op) {
  if (!op.contains("requestBody"))
    return "";
  auto& content = op["requestBody"]["content"];
  if (content.contains("application/x-ndjson"))  // the entry import
    return content["application/x-ndjson"]["example"].get<std::string>();
  auto& media = op["requestBody"]["content"]["application/json"];
  if (media.contains("example"))
    return media["example"].dump();
  if (!media.contains("examples") || media["examples"].empty())
    return "";
  auto& examples = media["examples"];
  auto& chosen = examples.contains("sync") ? examples["sync"]
                                           : examples.begin().value();
  return chosen["value"].dump();
}

} // namespace

TEST_CASE("openapi: the served document lists exactly the routes the router "
          "serves") {
  server_process server;
  auto doc = fetch_document(server.port());
  CHECK(doc["openapi"].get<std::string>().rfind("3.1.", 0) == 0);
  // info.version is the server's, written at build time.
  auto health = http_client{server.port()}.get("/healthz").data();
  CHECK(doc["info"]["version"] == health["version"]);

  auto in_doc = documented(doc);
  auto in_router = served(server.data_dir() / "routes-var");
  REQUIRE(in_router.size() > 30);
  for (auto& [method, path] : in_router) {
    INFO("served but not in docs/openapi.yaml: " << method << " " << path);
    CHECK(in_doc.count({method, path}) == 1);
  }
  for (auto& [method, path] : in_doc) {
    INFO("in docs/openapi.yaml but not served: " << method << " " << path);
    CHECK(in_router.count({method, path}) == 1);
  }
}

TEST_CASE("openapi: the document's schemas are valid and its examples match "
          "them") {
  server_process server;
  auto result = run_checker(server.data_dir(), fetch_document(server.port()),
                            nullptr);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find(" passed, 0 failed") != std::string::npos);
}

TEST_CASE_METHOD(org_fixture, "openapi: every documented operation answers, "
                              "and the answers and frames match the schemas") {
  auto doc = fetch_document(server.port());

  // Something for every path parameter to name.
  put_entry("main", "welcome", "Welcome", "Hello from main");
  put_entry("main", "other", "Other", "More words");
  auto created = submit_create("main", "staging", "Staging");
  REQUIRE(created.status == 201);
  std::string run_id = created.data()["run"]["id"];
  REQUIRE(wait_for_run(run_id)["status"] == "succeeded");
  auto recurring = alice.post(
    org_path() + "/jobs",
    {{"name", "Nightly sync"}, {"type", "sync_environments"},
     {"base_environment", "main"}, {"target_environment", "staging"},
     {"schedule", {{"kind", "daily"}, {"at", "02:30"},
                   {"timezone", "Europe/Berlin"}}}});
  REQUIRE(recurring.status == 201);
  std::string job_id = recurring.data()["job"]["id"];
  for (auto name : {"deploy-preview", "nightly-build"})
    REQUIRE(alice.post(env_path("main") + "/webhooks",
                       {{"name", name}, {"url", "https://example.test/hook"}})
              .status
            == 201);
  std::map<std::string, std::string> values{
    {"{org}", org}, {"{env}", "staging"}, {"{id}", "welcome"},
    {"{run}", run_id}, {"{job}", job_id}};
  auto fill = [&](std::string path) {
    for (auto& [name, value] : values)
      for (size_t at; (at = path.find(name)) != std::string::npos;)
        path.replace(at, name.size(), value);
    return path;
  };

  // Every frame of the sync the sweep submits, from the organization's
  // stream.
  ws_client stream{server.port(), org_path() + "/events", alice_token()};

  // Deletions last, the deepest path first: nothing is gone before the
  // operations that need it ran.
  struct operation {
    std::string method, path;
    json op;
  };
  std::vector<operation> ops;
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items())
      if (http_methods.count(method)) {
        auto upper = method;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        ops.push_back({upper, path, op});
      }
  std::stable_sort(ops.begin(), ops.end(), [](auto& a, auto& b) {
    auto depth = [](auto& o) {
      return std::count(o.path.begin(), o.path.end(), '/');
    };
    if ((a.method == "DELETE") != (b.method == "DELETE"))
      return b.method == "DELETE";
    return a.method == "DELETE" && depth(a) > depth(b);
  });

  json samples = json::array();
  std::string swept_run;
  for (auto& o : ops) {
    auto& security = o.op.contains("security") ? o.op["security"]
                                               : doc["security"];
    bool admin_only = security.size() == 1
                      && security[0].contains("adminToken");
    auto client = security.empty() ? http_client{server.port()}
                  : admin_only     ? admin
                                   : alice;
    auto r = client.send(o.method, fill(o.path), example_body(o.op));
    INFO(o.method << " " << o.path << " answered " << r.status << " "
                  << r.body.substr(0, 300));
    CHECK(r.status != 404);
    CHECK(r.status != 405);
    samples.push_back(sample(o.method, o.path, r));
    if (o.path == "/api/v1/orgs/{org}/jobs" && o.method == "POST") {
      REQUIRE(r.status == 201);
      swept_run = r.data()["run"]["id"];
      wait_for_run(swept_run);
    }
  }
  REQUIRE_FALSE(swept_run.empty());

  // Full pages (a cursor in `next`), a new organization and user, and
  // errors, each under the operation that answers them.
  auto env = "/api/v1/orgs/{org}/environments/{env}";
  auto org_t = std::string{"/api/v1/orgs/{org}"};
  struct extra {
    http_client client;
    std::string method, path, target, body;
    int status;
    bool full_page;  // a page with a cursor in `next`
  };
  std::vector<extra> extras{
    {alice, "GET", env + std::string{"/entries"}, "?limit=1", "", 200, true},
    {alice, "GET", env + std::string{"/webhooks"}, "?limit=1", "", 200, true},
    {alice, "GET", org_t + "/runs", "?limit=1", "", 200, true},
    {alice, "GET", org_t + "/jobs", "?limit=1", "", 200, true},
    {alice, "GET", org_t + "/recurring-jobs", "?limit=1", "", 200, false},
    {alice, "GET", org_t + "/runs/{run}/logs", "?limit=2", "", 200, true},
    {alice, "GET", org_t + "/runs", "?limit=0", "", 400, false},
    {alice, "GET", org_t + "/runs/{run}", "", "", 200, false},
    {alice, "GET", env + std::string{"/entries/{id}"}, "", "", 200, false},
    {alice, "PUT", env + std::string{"/settings"}, "", "[]", 400, false},
    {alice, "POST", "/api/v1/orgs", "", R"({"name":"beta"})", 403, false},
    {admin, "POST", "/api/v1/orgs", "", R"({"name":"beta"})", 201, false},
    {admin, "POST", "/api/v1/orgs/{org}/users", "", R"({"name":"bob"})", 201,
     false},
    {http_client{server.port()}, "GET", "/api/v1/me", "", "", 401, false},
    {admin, "GET", "/api/v1/me", "", "", 200, false},
  };
  values["{env}"] = "main";  // staging was deleted by the sweep
  for (auto& e : extras) {
    auto r = e.client.send(e.method, fill(e.path) + e.target, e.body);
    INFO(e.method << " " << e.path << e.target << " answered " << r.status
                  << " " << r.body.substr(0, 300));
    CHECK(r.status == e.status);
    if (e.full_page)
      CHECK_FALSE(r.data()["next"].is_null());
    samples.push_back(sample(e.method, e.path, r));
  }
  {
    auto r = alice.get(fill(org_t + "/runs/999999"));
    CHECK(r.status == 404);
    samples.push_back(sample("GET", org_t + "/runs/{run}", r));
  }

  // The frames of the swept sync: run, progress and log frames.
  std::set<std::string> kinds;
  for (;;) {
    auto frame = stream.next(30s);
    REQUIRE(frame);
    kinds.insert((*frame)["type"].get<std::string>());
    samples.push_back({{"schema", "#/components/schemas/EventFrame"},
                       {"body", *frame}});
    if ((*frame)["type"] == "run" && (*frame)["run"]["id"] == swept_run
        && (*frame)["run"]["status"] != "running")
      break;
  }
  CHECK(kinds == std::set<std::string>{"run", "progress", "log"});

  auto result = run_checker(server.data_dir(), doc, samples);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find(" passed, 0 failed") != std::string::npos);
}
