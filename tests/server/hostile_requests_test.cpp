// Hostile requests, one class each (docs/hostile-inputs.md lists them with
// their answers): every one gets a JSON answer with the API's code, never a
// crash, and the server keeps serving afterwards.
#include "org_fixture.hpp"
#include "raw_connection.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

using namespace downhill::testing;

namespace {

/// A request line and headers, with Connection: close unless told otherwise.
std::string request(const std::string& method, const std::string& target,
                    const std::string& token = {},
                    const std::string& extra_headers = {}) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
  if (!token.empty())
    text += "Authorization: Bearer " + token + "\r\n";
  return text + extra_headers + "\r\n";
}

/// The answer's error code, or "" if the body is not the API's error JSON.
std::string error_code_of(const raw_answer& answer) {
  auto body = json::parse(answer.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error"))
    return "";
  return body["error"].value("code", "");
}

std::string nested(char open, char close, size_t depth) {
  return std::string(depth, open) + std::string(depth, close);
}

void require_alive(uint16_t port) {
  http_client anonymous{port};
  REQUIRE(anonymous.get("/healthz").status == 200);
}

} // namespace

TEST_CASE_METHOD(org_fixture, "a path that is not valid UTF-8 gets 404 JSON, "
                              "with or without a token") {
  for (auto token : {std::string{}, server.admin_token(), alice_token()}) {
    raw_connection c{server.port()};
    REQUIRE(c.send(request("GET", "/\xff\xfe", token)));
    auto answer = c.read_answer();
    CHECK(answer.status == 404);
    CHECK(error_code_of(answer) == "not_found");
  }
  // The run id of a known route, not valid UTF-8: not found, not a 500.
  for (auto token : {server.admin_token(), alice_token()}) {
    raw_connection c{server.port()};
    REQUIRE(c.send(request("GET", org_path() + "/runs/\xc3", token)));
    auto answer = c.read_answer();
    CHECK(answer.status == 404);
    CHECK(error_code_of(answer) == "not_found");
  }
  require_alive(server.port());
}

TEST_CASE_METHOD(org_fixture, "a WebSocket upgrade on a path that is not "
                              "valid UTF-8 gets 404 JSON") {
  raw_connection c{server.port()};
  REQUIRE(c.send(request("GET", "/api/v1/orgs/\xff/events?token=x", {},
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n")));
  auto answer = c.read_answer();
  CHECK(answer.status == 401);
  CHECK(error_code_of(answer) == "unauthorized");
  require_alive(server.port());
}

TEST_CASE_METHOD(org_fixture, "JSON nested deeper than 64 levels is "
                              "refused on every write route") {
  // 30,000 levels fit in the 64 KiB that these routes take.
  auto deep = nested('[', ']', 30000);
  auto deep_object = R"({"name":"x","a":)" + deep + "}";
  struct write {
    std::string method, path, body;
  };
  std::vector<write> writes{
    {"PUT", env_path("main") + "/settings", R"({"a":)" + deep + "}"},
    {"POST", env_path("main") + "/webhooks", deep_object},
    {"POST", env_path("main") + "/integrations", deep_object},
    {"POST", env_path("main") + "/presets", deep_object},
    {"POST", env_path("main") + "/teams", deep_object},
    {"PUT", env_path("main") + "/entries/deep",
     R"({"content_type":"a","title":"t","fields":{"x":)"
       + nested('[', ']', 400000) + "}}"},
    {"POST", org_path() + "/jobs",
     R"({"name":"j","type":"sync_environments","base_environment":"main",)"
     R"("target_environment":"x","schedule":{"kind":"now","x":)"
       + deep + "}}"},
  };
  for (auto& w : writes) {
    auto r = alice.send(w.method, w.path, w.body);
    INFO(w.method << " " << w.path);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_json");
  }
  // At the limit it is accepted, stored, and read back.
  auto at_limit = R"({"content_type":"a","title":"t","fields":{"x":)"
                  + nested('[', ']', 62) + "}}";
  REQUIRE(alice.send("PUT", env_path("main") + "/entries/ok", at_limit).status
          == 200);
  CHECK(alice.get(env_path("main") + "/entries/ok").status == 200);
  // Nothing of the refused writes was stored.
  CHECK(alice.get(env_path("main") + "/entries/deep").status == 404);
  CHECK(alice.get(env_path("main") + "/webhooks").data()["webhooks"].empty());
  CHECK(alice.get(env_path("main") + "/settings").data() == json::object());
  require_alive(server.port());
}

TEST_CASE_METHOD(org_fixture, "a deep document stored before the limits "
                              "existed reads back as null, also after a "
                              "restart") {
  put_entry("main", "old", "Old", "stored long ago");
  server.stop();
  // What an earlier server version let through, written straight into the
  // environment's database.
  store_inspector files{server.data_dir()};
  files.execute(files.environment_dir(org, "main") / "content.db",
                "UPDATE entries SET fields = '" + nested('[', ']', 200000)
                  + "' WHERE id = 'old'");
  server.start();
  reconnect();
  for (int i = 0; i < 2; ++i) {
    auto r = alice.get(env_path("main") + "/entries/old");
    REQUIRE(r.status == 200);
    CHECK(r.data()["fields"].is_null());
    CHECK(r.data()["title"] == "Old");
  }
  CHECK(alice.get(env_path("main") + "/entries").status == 200);
}

TEST_CASE_METHOD(org_fixture, "a stored schedule keeps only the fields its "
                              "kind defines") {
  create_environment("main", "staging");
  auto r = alice.post(org_path() + "/jobs",
                 {{"name", "Nightly"},
                  {"type", "sync_environments"},
                  {"base_environment", "main"},
                  {"target_environment", "staging"},
                  {"schedule",
                   {{"kind", "daily"},
                    {"at", "02:30"},
                    {"timezone", "Europe/Berlin"},
                    {"junk", {{"a", std::string(1000, 'x')}}}}}});
  REQUIRE(r.status == 201);
  CHECK(r.data()["job"]["schedule"]
        == json{{"kind", "daily"}, {"at", "02:30"}, {"timezone", "Europe/Berlin"}});
}

TEST_CASE_METHOD(org_fixture, "a schedule cut inside a multibyte character "
                              "is an invalid schedule") {
  // A zone name of 70 'é': the error message quotes its first 64 bytes,
  // which ends inside a character.
  std::string zone;
  for (int i = 0; i < 70; ++i)
    zone += "\xc3\xa9";
  auto r = alice.post(org_path() + "/jobs",
                      {{"name", "x"},
                       {"type", "sync_environments"},
                       {"base_environment", "main"},
                       {"target_environment", "staging"},
                       {"schedule", {{"kind", "daily"}, {"at", "02:30"},
                                     {"timezone", zone}}}});
  CHECK(r.status == 400);
  CHECK(r.error_code() == "invalid_schedule");
}

TEST_CASE_METHOD(org_fixture, "malformed HTTP gets a 400, 431 or 505 JSON "
                              "answer and the connection closes") {
  auto token = server.admin_token();
  struct attempt {
    const char* name;
    std::string bytes;
    int status;
    const char* code;
  };
  std::vector<attempt> attempts{
    {"bad chunk size",
     request("POST", "/api/v1/orgs", token, "Transfer-Encoding: chunked\r\n")
       + "zz\r\n{}\r\n0\r\n\r\n",
     400, "bad_request"},
    {"Content-Length and Transfer-Encoding",
     request("POST", "/api/v1/orgs", token,
             "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n")
       + "2\r\n{}\r\n0\r\n\r\n",
     400, "bad_request"},
    {"two Content-Lengths",
     request("POST", "/api/v1/orgs", token,
             "Content-Length: 2\r\nContent-Length: 3\r\n")
       + "{}",
     400, "bad_request"},
    {"headers over 16 KiB",
     request("GET", "/healthz", {}, "X-Big: " + std::string(17000, 'a') + "\r\n"),
     431, "header_too_large"},
    {"an HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505,
     "version_not_supported"},
    {"HTTP/1.2", "GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", 505,
     "version_not_supported"},
    {"HTTP/9", "GET /healthz HTTP/9\r\nHost: x\r\n\r\n", 505,
     "version_not_supported"},
    {"a request line of garbage", "\x01\x02\x03 nonsense\r\n\r\n", 400,
     "bad_request"},
  };
  for (auto& a : attempts) {
    INFO(a.name);
    raw_connection c{server.port()};
    REQUIRE(c.send(a.bytes));
    auto answer = c.read_answer();
    CHECK(answer.status == a.status);
    CHECK(error_code_of(answer) == a.code);
    CHECK(answer.closed);
  }
  // Nothing was created by the malformed bodies.
  require_alive(server.port());
  CHECK(admin.get("/api/v1/orgs/x/jobs").status == 404);
}

TEST_CASE_METHOD(org_fixture, "a NUL byte in a search query is a search, "
                              "not a 500") {
  put_entry("main", "a", "Alpha", "words here");
  auto r = alice.get(env_path("main") + "/search?q=words%00here");
  CHECK(r.status == 200);
  CHECK(r.data()["hits"].size() == 1);
}

TEST_CASE_METHOD(org_fixture, "a server fault answers an error id, never "
                              "SQL or a path") {
  put_entry("main", "a", "Alpha", "words");
  // Take main's files away behind the server's back.
  server.stop();
  auto environments = server.data_dir() / "var" / "environments";
  for (auto& env : std::filesystem::directory_iterator(environments))
    std::filesystem::remove_all(env.path());
  server.start();
  reconnect();
  auto r = alice.get(env_path("main") + "/entries/a");
  CHECK(r.status >= 500);
  auto error = r.data()["error"];
  CHECK(error.contains("error_id"));
  CHECK(r.body.find(server.data_dir().string()) == std::string::npos);
  CHECK(r.body.find("/environments") == std::string::npos);
  CHECK(r.body.find("SELECT") == std::string::npos);
}

TEST_CASE_METHOD(org_fixture, "the admin gets 404 for an organization that "
                              "does not exist, on every organization route") {
  for (auto path : {"/api/v1/orgs/nope/jobs", "/api/v1/orgs/nope/runs",
                    "/api/v1/orgs/nope/runs/1", "/api/v1/orgs/nope/environments",
                    "/api/v1/orgs/nope/recurring-jobs"}) {
    INFO(path);
    auto r = admin.get(path);
    CHECK(r.status == 404);
    CHECK(r.error_code() == "not_found");
  }
}

TEST_CASE_METHOD(org_fixture, "a WebSocket client that sends a large "
                              "message is disconnected") {
  // Clients have nothing to say on an event stream: a 64 KiB frame closes
  // the stream instead of being buffered.
  raw_connection c{server.port()};
  REQUIRE(c.send(request("GET", org_path() + "/events", alice_token(),
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n")));
  auto answer = c.read_answer();
  REQUIRE(answer.status == 101);
  // A masked binary frame with a 64-bit length of 65536.
  std::string frame{"\x82\xff", 2};
  for (int shift = 56; shift >= 0; shift -= 8)
    frame += static_cast<char>((65536ULL >> shift) & 0xff);
  frame += std::string("\x01\x02\x03\x04", 4);
  frame += std::string(65536, 'x');
  c.send(frame);
  CHECK(c.wait_closed(std::chrono::seconds(10)));
  require_alive(server.port());
}
