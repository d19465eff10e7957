#include "event_watchers.hpp"

#include "event_stream_client.hpp"

#include <cctype>
#include <thread>

namespace downhill::soak {

using namespace std::chrono_literals;

void event_watchers::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    watch_once();
    // Pacing of new watchers, not synchronization.
    std::this_thread::sleep_for(std::chrono::milliseconds(
      std::uniform_int_distribution<int>(50, 250)(rng_)));
  }
}

void event_watchers::watch_once() {
  auto& org = *orgs_[std::uniform_int_distribution<size_t>(0, orgs_.size() - 1)(rng_)];
  // Half watch the organization's stream, half one of its latest runs.
  std::string target = org.org_path() + "/events";
  std::string what = "ws org stream";
  if (std::uniform_int_distribution<int>(0, 1)(rng_) == 1) {
    auto runs = api_.call("run read", "GET", org.org_path() + "/runs?limit=5",
                          org.token());
    auto list = runs.data().is_object() ? runs.data()["runs"] : json::array();
    if (runs.status == 200 && list.is_array() && !list.empty()) {
      auto& run = list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng_)];
      target = org.org_path() + "/runs/" + run.value("id", "") + "/events";
      what = "ws run stream";
    }
  }
  if (!api_.wait_for_server(10s))
    return;
  bool in_query = std::uniform_int_distribution<int>(0, 3)(rng_) == 0;
  // One in four has a tiny receive buffer and stops reading: a stalled
  // client that the server must not wait for (nor keep unbounded frames
  // for).
  bool stalls = std::uniform_int_distribution<int>(0, 3)(rng_) == 0;
  event_stream_client client;
  std::string error;
  if (!client.open(api_.server().port(), target, org.token(), in_query,
                   stalls ? 2048 : 0, 5s, error)) {
    // A refusal while the server runs is an answer (counted by status);
    // a failed connect is the restart window.
    int status = 0;
    if (!error.empty() && std::isdigit(static_cast<unsigned char>(error[0])))
      status = std::stoi(error);
    api_.counts().request(what, status);
    auto body = status == 0 ? std::string{} : error.substr(error.find(' ') + 1);
    api_.expect(answer{status, body}, {101},
                "org " + org.org() + ": " + what + " " + target);
    return;
  }
  api_.counts().request(what, 101);
  auto duration = std::chrono::milliseconds(
    std::uniform_int_distribution<int>(100, 2000)(rng_));
  if (stalls) {
    // Pacing: the stalled client holds the connection without reading.
    std::this_thread::sleep_for(duration);
  } else {
    client.read_then_stop(duration, [&](const std::string& text) {
      api_.counts().checked("event frames are documented JSON events");
      check_frame(org.org(), text);
    });
  }
  client.vanish();
  api_.counts().fault(stalls ? "websocket clients stalled, then vanished"
                             : "websocket clients vanished mid-stream");
}

void event_watchers::check_frame(const std::string& org,
                                 const std::string& text) {
  auto frame = json::parse(text, nullptr, false);
  std::string type = frame.is_object() && frame.contains("type")
                         && frame["type"].is_string()
                       ? frame["type"].get<std::string>()
                       : "";
  if (type != "run" && type != "log" && type != "progress")
    api_.counts().violation("org " + org + ": event frame that is not a "
                            "run/log/progress JSON event: "
                            + text.substr(0, 200));
}

} // namespace downhill::soak
