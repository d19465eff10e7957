#include "hostile_requests.hpp"

#include "raw_connection.hpp"

#include <sstream>
#include <thread>

namespace downhill::soak {

using namespace std::chrono_literals;

namespace {

std::string request(const std::string& method, const std::string& target,
                    const std::string& token, const std::string& body,
                    const std::string& extra_headers = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty())
    r += "Authorization: Bearer " + token + "\r\n";
  r += extra_headers;
  if (!body.empty() || method == "PUT" || method == "POST")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  // An upgrade names its own Connection header; everything else asks the
  // server to close after answering, so the answer ends the exchange.
  if (extra_headers.find("Upgrade:") == std::string::npos)
    r += "Connection: close\r\n";
  return r + "\r\n" + body;
}

std::string nested(size_t depth, char open, char close, const std::string& inner) {
  return std::string(depth, open) + inner + std::string(depth, close);
}

} // namespace

hostile_requests::hostile_requests(const api_caller& api,
                                   const org_workload& victim,
                                   const org_workload& other, int crash_limit,
                                   unsigned seed)
  : api_(api), crash_limit_(crash_limit), rng_(seed) {
  const std::string a = victim.org_path();
  const std::string token = victim.token();
  const std::string entry = victim.env_path("main") + "/entries/hostile";
  const std::string good_entry
    = R"({"content_type":"article","title":"t","body":"b"})";
  auto& c = catalogue_;
  c.push_back({"invalid UTF-8 path, no token",
               request("GET", "/\xff", "", "")});
  c.push_back({"invalid UTF-8 path, with token",
               request("GET", victim.env_path("main") + "/entries/\xc3\x28",
                       token, "")});
  c.push_back({"invalid UTF-8 org name",
               request("GET", "/api/v1/orgs/\xfe\xff/environments", token, "")});
  c.push_back({"percent-encoded invalid UTF-8 entry id",
               request("PUT", victim.env_path("main") + "/entries/%ff%fe",
                       token, good_entry)});
  c.push_back({"broken percent-encoding in the query",
               request("GET", victim.env_path("main") + "/search?q=%zz%f",
                       token, ""),
               false, /*success_allowed=*/true});
  c.push_back({"invalid UTF-8 search words",
               request("GET", victim.env_path("main") + "/search?q=%ff%c3%28",
                       token, ""),
               false, true});
  c.push_back({"JSON arrays nested 10000 deep",
               request("PUT", entry, token, nested(10000, '[', ']', ""))});
  c.push_back({"JSON arrays nested 10000 deep, never closed",
               request("PUT", entry, token, std::string(10000, '['))});
  {
    std::string deep;
    for (int i = 0; i < 10000; ++i)
      deep += R"({"a":)";
    deep += "1" + std::string(10000, '}');
    c.push_back({"JSON objects nested 10000 deep in a job",
                 request("POST", a + "/jobs", token, deep)});
    c.push_back({"JSON nested 10000 deep inside an entry's fields",
                 request("PUT", entry, token,
                         R"({"content_type":"article","title":"t","fields":)"
                           + nested(10000, '[', ']', "") + "}")});
  }
  c.push_back({"invalid UTF-8 inside a JSON string",
               request("PUT", entry, token,
                       "{\"content_type\":\"article\",\"title\":\"\xff\xfe\"}")});
  c.push_back({"number out of range in JSON",
               request("PUT", entry, token,
                       R"({"content_type":"article","title":"t","fields":{"n":1e99999}})"),
               false, true});
  c.push_back({"64 KiB header",
               request("GET", a + "/environments", token, "",
                       "X-Junk: " + std::string(64 * 1024, 'a') + "\r\n")});
  {
    std::string many;
    for (int i = 0; i < 5000; ++i)
      many += "X-H" + std::to_string(i) + ": v\r\n";
    c.push_back({"5000 headers", request("GET", a + "/environments", token, "", many)});
  }
  c.push_back({"100 KiB URL",
               request("GET", victim.env_path("main") + "/entries/"
                                + std::string(100 * 1024, 'a'),
                       token, "")});
  c.push_back({"bad chunk size",
               "POST " + a + "/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"});
  c.push_back({"chunk size beyond 64 bits",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"});
  c.push_back({"chunk promised, then hang-up",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nTransfer-Encoding: chunked\r\n\r\n186A0\r\n{\"con",
               /*hang_up=*/true});
  c.push_back({"Content-Length and chunked together",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
                 "\r\n\r\n2\r\n{}\r\n0\r\n\r\n"});
  c.push_back({"Content-Length of 20 digits",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nContent-Length: 99999999999999999999\r\n\r\n{}"});
  c.push_back({"half-sent headers, then hang-up",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nContent-Le", true});
  c.push_back({"half-sent body, then hang-up",
               "PUT " + entry + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token + "\r\nContent-Length: 1000\r\n\r\n{\"content_",
               true});
  c.push_back({"HTTP/0.9 request line", "GET /\r\n\r\n"});
  {
    static const char with_nul[] = "/api/v1/orgs/x\0y/environments";
    c.push_back({"NUL byte in the path",
                 request("GET", std::string(with_nul, sizeof with_nul - 1),
                         token, "")});
  }
  c.push_back({"non-ASCII bytes in Authorization",
               request("GET", a + "/environments", "\xff\xfe\x01x", "")});
  c.push_back({"no token", request("GET", a + "/environments", "", ""), false,
               false, /*auth_test=*/true});
  c.push_back({"no token, content write",
               request("PUT", entry, "", good_entry), false, false, true});
  c.push_back({"another organization's token, read",
               request("GET", a + "/environments", other.token(), ""), false,
               false, true});
  c.push_back({"another organization's token, write",
               request("PUT", entry, other.token(), good_entry), false, false,
               true});
  c.push_back({"another organization's token, job",
               request("POST", a + "/jobs", other.token(),
                       R"({"name":"x","type":"sync_environments","base_environment":"main","target_environment":"qa"})"),
               false, false, true});
  c.push_back({"user token on an admin route",
               request("POST", "/api/v1/orgs", token, R"({"name":"intruder"})"),
               false, false, true});
  c.push_back({"another organization's token on its event stream",
               request("GET", a + "/events", other.token(), "",
                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Version: 13\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
               false, false, true});
  c.push_back({"WebSocket upgrade without a key",
               request("GET", a + "/events", token, "",
                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Version: 13\r\n")});
  c.push_back({"run id beyond 64 bits",
               request("GET", a + "/runs/99999999999999999999999", token, "")});
  c.push_back({"log paging out of range",
               request("GET", a + "/runs/1/logs?after=-99999999999999999999&limit=99999999999999999999",
                       token, "")});
  c.push_back({"garbage bytes", std::string{}});  // filled per send
}

void hostile_requests::run(const std::atomic<bool>& stop) {
  size_t next = 0;
  while (!stop.load()) {
    auto r = catalogue_[next++ % catalogue_.size()];
    {
      std::lock_guard lock{mutex_};
      if (deaths_[r.name] >= crash_limit_)
        continue;
    }
    if (r.name == "garbage bytes") {
      std::uniform_int_distribution<int> byte(0, 255);
      r.bytes.clear();
      for (int i = 0; i < 2048; ++i)
        r.bytes += static_cast<char>(byte(rng_));
    }
    if (api_.wait_for_server(10s))
      send_one(r);
    // Pacing of the hostile traffic, not synchronization.
    std::this_thread::sleep_for(std::chrono::milliseconds(
      std::uniform_int_distribution<int>(100, 300)(rng_)));
  }
}

void hostile_requests::send_one(const hostile_request& r) {
  {
    std::lock_guard lock{mutex_};
    recent_.push_back({r.name, std::chrono::steady_clock::now()});
    if (recent_.size() > 4)
      recent_.erase(recent_.begin());
  }
  auto port = api_.server().port();
  auto out = send_raw(port, r.bytes, r.hang_up, 5s);
  api_.counts().fault("hostile requests sent");
  api_.counts().request("hostile: " + r.name, out.status);
  if (!out.connected || r.hang_up || out.status == 0)
    return;  // cut off, vanished, or closed without an answer: all fine
  api_.counts().checked("hostile requests get a 4xx or a closed connection");
  bool success = out.status >= 200 && out.status < 300;
  bool server_error = out.status >= 500;
  if (r.auth_test && out.status != 401 && out.status != 403 && out.status != 404)
    api_.counts().violation("hostile request \"" + r.name + "\" was answered "
                            + out.first_line
                            + " (only 401, 403 or 404 keep tenants apart)");
  else if (server_error || (success && !r.success_allowed))
    api_.counts().violation("hostile request \"" + r.name + "\" was answered "
                            + out.first_line);
}

std::string hostile_requests::blame_for_death() {
  std::lock_guard lock{mutex_};
  auto now = std::chrono::steady_clock::now();
  std::ostringstream out;
  bool blamed = false;
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->at).count();
    if (ms > 2000)
      break;
    out << (blamed ? ", " : "") << "\"" << it->name << "\" " << ms << " ms before";
    if (!blamed)
      ++deaths_[it->name];
    blamed = true;
  }
  recent_.clear();
  return blamed ? out.str() : "none in the 2 s before";
}

std::vector<std::string> hostile_requests::retired() const {
  std::lock_guard lock{mutex_};
  std::vector<std::string> names;
  for (auto& [name, n] : deaths_)
    if (n >= crash_limit_)
      names.push_back(name + " (" + std::to_string(n) + " deaths)");
  return names;
}

} // namespace downhill::soak
