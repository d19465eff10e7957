// HTTP requests and responses as the handlers see them: plain structs,
// with no Beast in sight, so handlers compile fast and read simply.
#pragma once

#include "actors/api_error.hpp"
#include "actors/core.hpp"

#include <map>
#include <string>

namespace downhill::http {

struct api_request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string body;
  std::string bearer_token;
  /// Filled by the router: the caller and the path's {placeholders}.
  identity caller;
  std::map<std::string, std::string> params;

  const std::string& param(const std::string& name) const {
    return params.at(name);
  }
};

struct api_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  /// A 500's error id, as the client got it (for the request's log line).
  std::string error_id = {};
};

/// Which event stream a WebSocket upgrade asks for.
struct event_stream_request {
  std::string org_id;
  int64_t run_id = 0;  // 0: the organization's stream
  int64_t after = 0;   // a run stream: log lines after this one
};

/// `{"error":{"code":...,"message":...}}` with the code's HTTP status.
api_response error_response(const api_error& error);
api_response json_response(int status, const std::string& json_text);

} // namespace downhill::http
