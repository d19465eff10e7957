#include "cli/jobs_run.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <unistd.h>

namespace downhill::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using json = nlohmann::json;

namespace {

struct endpoint {
  std::string host = "127.0.0.1";
  std::string port = "8080";
};

endpoint parse_server(const std::string& url) {
  endpoint e;
  auto rest = url;
  if (auto p = rest.find("://"); p != std::string::npos)
    rest = rest.substr(p + 3);
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  e.host = rest.substr(0, colon);
  if (colon != std::string::npos)
    e.port = rest.substr(colon + 1);
  return e;
}

/// One HTTP request; returns status and parsed body.
std::pair<int, json> request(const endpoint& server, const std::string& token,
                             bhttp::verb method, const std::string& target,
                             const json& body = nullptr) {
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(resolver.resolve(server.host, server.port));
  bhttp::request<bhttp::string_body> req{method, target, 11};
  req.set(bhttp::field::host, server.host);
  req.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.is_null()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body.dump();
  }
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  auto parsed = json::parse(res.body(), nullptr, false);
  return {static_cast<int>(res.result_int()),
          parsed.is_discarded() ? json(nullptr) : parsed};
}

std::string bar(int percent) {
  constexpr int width = 24;
  int filled = percent * width / 100;
  return "[" + std::string(static_cast<size_t>(filled), '#')
         + std::string(static_cast<size_t>(width - filled), '.') + "] "
         + std::to_string(percent) + "%";
}

/// Draws the tasks' bars: in place on a terminal, as lines otherwise.
class progress_view {
public:
  progress_view() : tty_(isatty(STDOUT_FILENO) != 0) {}

  void progress(const std::string& task, const std::string& phase,
                int percent) {
    auto& slot = tasks_[task];
    bool changed = slot.first != phase || slot.second / 25 != percent / 25;
    slot = {phase, percent};
    if (tty_)
      redraw();
    else if (changed || percent == 100)
      std::cout << line_for(task) << "\n";
  }

  void log(const json& frame) {
    clear();
    std::cout << "  #" << frame.value("seq", 0) << " ["
              << frame.value("level", "") << "] " << frame.value("task", "")
              << ": " << frame.value("message", "") << "\n";
    if (tty_)
      redraw();
  }

  void finish() {
    if (tty_ && drawn_)
      std::cout << "\n";
    std::cout.flush();
  }

private:
  std::string line_for(const std::string& task) {
    auto& [phase, percent] = tasks_[task];
    return task + " (" + phase + ") " + bar(percent);
  }

  void clear() {
    if (tty_ && drawn_)
      std::cout << "\r\033[K";
  }

  void redraw() {
    clear();
    std::string text;
    for (auto& [task, state] : tasks_)
      text += (text.empty() ? "" : "   ") + line_for(task);
    std::cout << text << std::flush;
    drawn_ = true;
  }

  bool tty_;
  bool drawn_ = false;
  std::map<std::string, std::pair<std::string, int>> tasks_;
};

} // namespace

int jobs_run(const jobs_run_options& o) {
  auto server = parse_server(o.server);
  try {
    auto [me_status, me] = request(server, o.token, bhttp::verb::get,
                                   "/api/v1/me");
    if (me_status != 200 || me["org"].is_null()) {
      std::cerr << "downhill: the token is not a user's token of this server"
                << "\n";
      return 2;
    }
    std::string org = me["org"];
    json job{{"name", o.name},
             {"type", o.type},
             {"base_environment", o.base},
             {"schedule", {{"kind", "now"}}}};
    if (o.type == "create_environment") {
      job["new_environment"] = o.target;
      if (!o.display_name.empty())
        job["display_name"] = o.display_name;
    } else {
      job["target_environment"] = o.target;
    }
    auto [status, created] = request(server, o.token, bhttp::verb::post,
                                     "/api/v1/orgs/" + org + "/jobs", job);
    if (status != 201) {
      auto error = created.is_object() ? created["error"] : json(nullptr);
      std::cerr << "downhill: " << status << " "
                << (error.is_object() ? error.value("code", "") + ": "
                                          + error.value("message", "")
                                      : std::string{"request failed"})
                << "\n";
      return 1;
    }
    std::string run_id = created["run"]["id"];
    std::cout << "run " << run_id << ": " << o.name << " (" << o.base
              << " -> " << o.target << ")\n";

    asio::io_context ioc;
    asio::ip::tcp::resolver resolver{ioc};
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::get_lowest_layer(ws).connect(resolver.resolve(server.host,
                                                         server.port));
    ws.set_option(websocket::stream_base::decorator(
      [&](websocket::request_type& req) {
        req.set(bhttp::field::authorization, "Bearer " + o.token);
      }));
    ws.handshake(server.host,
                 "/api/v1/orgs/" + org + "/runs/" + run_id + "/events");
    progress_view view;
    json final_run;
    for (;;) {
      beast::flat_buffer buffer;
      ws.read(buffer);
      auto frame = json::parse(beast::buffers_to_string(buffer.data()));
      auto type = frame.value("type", "");
      if (type == "progress") {
        view.progress(frame["task"], frame["phase"], frame["percent"]);
      } else if (type == "log") {
        view.log(frame);
      } else if (type == "run") {
        auto state = frame["run"].value("status", "");
        if (state != "running" && state != "queued") {
          final_run = frame["run"];
          break;
        }
      }
    }
    view.finish();
    beast::error_code ignored;
    ws.close(websocket::close_code::normal, ignored);
    std::cout << "run " << run_id << " " << final_run.value("status", "")
              << " in " << final_run.value("elapsed_ms", 0) << " ms: "
              << final_run.value("total_logs", 0) << " logs, "
              << final_run.value("total_errors", 0) << " errors, "
              << final_run.value("total_warnings", 0) << " warnings\n";
    return final_run.value("status", "") == "succeeded" ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "downhill: " << e.what() << "\n";
    return 1;
  }
}

} // namespace downhill::cli
