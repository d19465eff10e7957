#include "http/request_log.hpp"

#include "actors/server_log.hpp"
#include "http/router.hpp"
#include "metrics/server_metrics.hpp"

#include <cmath>

namespace downhill::http {

void log_request(const api_request& request, const route* matched,
                 const api_response& response,
                 std::chrono::steady_clock::duration took) {
  auto seconds = std::chrono::duration<double>(took).count();
  auto& m = metrics::server();
  auto status = response.status;
  static const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  if (status >= 100 && status < 600)
    m.http_requests.with({classes[status / 100 - 1]}).inc();
  m.http_request_duration.get().observe(seconds);
  auto level = matched != nullptr && matched->needs == access::anyone
                   && status < 400
                 ? log_level::debug
                 : log_level::info;
  if (!log_enabled(level))
    return;
  std::vector<log_field> fields{
    {"method", request.method},
    {"route", matched != nullptr ? matched->pattern : "(none)"},
    {"status", status},
    {"latency_ms", std::round(seconds * 1e6) / 1000.0}};
  auto org = request.params.find("org");
  if (org != request.params.end())
    fields.emplace_back("org", org->second);
  else if (!request.caller.org_id.empty())
    fields.emplace_back("org", request.caller.org_id);
  if (request.caller.admin)
    fields.emplace_back("caller", "admin");
  else if (!request.caller.user.empty())
    fields.emplace_back("caller", request.caller.user);
  if (!response.error_id.empty())
    fields.emplace_back("error_id", response.error_id);
  log_event(level, "request", fields);
}

} // namespace downhill::http
