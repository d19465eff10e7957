// One log line and the HTTP metrics per answered request: method, route
// pattern (not the path, which holds ids), status, latency, organization,
// and a 500's error id. Never a token or any other header.
#pragma once

#include "http/api_types.hpp"

#include <chrono>

namespace downhill::http {

struct route;

/// `matched`: the request's route, null if none matched. Successful
/// answers of open routes (health check, metrics, dashboard files) are
/// logged at debug level: probes and scrapes would drown the rest.
void log_request(const api_request& request, const route* matched,
                 const api_response& response,
                 std::chrono::steady_clock::duration took);

} // namespace downhill::http
