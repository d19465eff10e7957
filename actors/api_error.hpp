// The API's error codes, each mapped to its HTTP status in one table
// (api_error.cpp). Errors travel as values; no exception crosses an actor.
#pragma once

#include <cstdint>
#include <string>

namespace downhill {

enum class error_code : uint8_t {
  none,
  invalid_json,
  invalid_field,
  unknown_environment,
  same_environment,
  main_as_target,
  not_parent_child,
  child_to_parent,
  name_taken,
  invalid_schedule,
  main_environment,
  unauthorized,
  forbidden,
  not_found,
  already_exists,
  job_in_progress,
  not_running,
  limit_reached,
  has_children,
  environment_locked,
  payload_too_large,
  internal,
  unavailable,
  // Transport and limits (the HTTP layer's own answers).
  bad_request,            // malformed HTTP
  method_not_allowed,
  upgrade_required,       // a WebSocket endpoint asked with plain HTTP
  too_many_requests,      // an organization's share of the server is in use
  header_too_large,
  version_not_supported,  // not HTTP/1.0 or 1.1
};

/// The code as the API spells it ("same_environment").
const char* to_string(error_code code);
/// The HTTP status the API answers with for the code.
int http_status(error_code code);

struct api_error {
  error_code code = error_code::none;
  std::string message;
  std::string field;   // invalid_field: the offending field
  int64_t run_id = 0;  // job_in_progress, environment_locked: the run

  explicit operator bool() const { return code != error_code::none; }
};

inline api_error make_error(error_code code, std::string message,
                            std::string field = {}) {
  return api_error{code, std::move(message), std::move(field), 0};
}

} // namespace downhill
