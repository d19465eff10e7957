#include "actors/api_error.hpp"

namespace downhill {

namespace {

struct error_info {
  const char* name;
  int status;
};

// Indexed by error_code.
constexpr error_info table[] = {
  {"none", 200},
  {"invalid_json", 400},
  {"invalid_field", 400},
  {"unknown_environment", 400},
  {"same_environment", 400},
  {"main_as_target", 400},
  {"not_parent_child", 400},
  {"child_to_parent", 400},
  {"name_taken", 400},
  {"invalid_schedule", 400},
  {"main_environment", 400},
  {"unauthorized", 401},
  {"forbidden", 403},
  {"not_found", 404},
  {"already_exists", 409},
  {"job_in_progress", 409},
  {"not_running", 409},
  {"limit_reached", 409},
  {"has_children", 409},
  {"environment_locked", 423},
  {"payload_too_large", 413},
  {"internal", 500},
  {"unavailable", 503},
  {"bad_request", 400},
  {"method_not_allowed", 405},
  {"upgrade_required", 426},
  {"too_many_requests", 429},
  {"header_too_large", 431},
  {"version_not_supported", 505},
};

static_assert(sizeof(table) / sizeof(table[0])
                == static_cast<size_t>(error_code::version_not_supported) + 1,
              "every error code needs a row");

} // namespace

const char* to_string(error_code code) {
  return table[static_cast<size_t>(code)].name;
}

int http_status(error_code code) {
  return table[static_cast<size_t>(code)].status;
}

} // namespace downhill
