#include "api_caller.hpp"

#include "http_client.hpp"

#include <thread>

namespace downhill::soak {

using namespace std::chrono_literals;

json answer::data() const {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

bool api_caller::wait_for_server(std::chrono::milliseconds deadline) const {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (server_.port() == 0) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(10ms);  // polling the supervisor, bounded
  }
  return true;
}

answer api_caller::call(const std::string& what, const std::string& method,
                        const std::string& target, const std::string& token,
                        const std::string& body) const {
  answer a;
  if (wait_for_server(10s)) {
    try {
      testing::http_client client{server_.port(), token};
      auto r = client.send(method, target, body);
      a.status = r.status;
      a.body = std::move(r.body);
    } catch (const std::exception&) {
      // Refused, reset or timed out: the server is restarting or died.
      // The supervisor finds out which; the caller sees "no answer".
      a.status = 0;
    }
  }
  counts_.request(what, a.status);
  return a;
}

answer api_caller::call_until_answered(const std::string& what,
                                       const std::string& method,
                                       const std::string& target,
                                       const std::string& token,
                                       const std::string& body,
                                       std::chrono::seconds deadline) const {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    auto a = call(what, method, target, token, body);
    if ((a.answered() && a.status != 503)
        || std::chrono::steady_clock::now() >= until)
      return a;
    std::this_thread::sleep_for(50ms);  // retry pacing, bounded by deadline
  }
}

bool api_caller::expect(const answer& a, std::initializer_list<int> allowed,
                        const std::string& doing) const {
  if (!a.answered() || a.status == 503)
    return true;
  for (int s : allowed)
    if (a.status == s)
      return true;
  counts_.violation(doing + " answered " + std::to_string(a.status) + " "
                    + a.body.substr(0, 300));
  return false;
}

} // namespace downhill::soak
