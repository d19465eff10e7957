// Reading a request's body and query with bounds, turning every bad input
// into the API's 4xx error instead of an exception or a crash.
#pragma once

#include "http/api_types.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace downhill::http {

/// Thrown inside handlers for bad input; the route wrapper turns it into
/// the error response. Never crosses an actor boundary.
struct bad_request {
  api_error error;
};

/// The body as a JSON object nesting at most max_json_depth deep
/// (invalid_json otherwise).
nlohmann::json parse_object(const std::string& body);

/// A required string field of 1..max_size bytes.
std::string required_string(const nlohmann::json& object,
                            const std::string& field, size_t max_size);
/// An optional string field of at most max_size bytes.
std::string optional_string(const nlohmann::json& object,
                            const std::string& field, size_t max_size,
                            const std::string& fallback = {});

/// An integer query parameter within [min, max]; invalid_field otherwise.
int64_t query_int(const api_request& request, const std::string& name,
                  int64_t fallback, int64_t min, int64_t max);

/// A path parameter that must be a run or job number; 404 otherwise.
int64_t id_param(const api_request& request, const std::string& name);

/// Wraps a handler so that bad_request becomes its error response.
template <class F>
auto checked(F f) {
  return [f](core& c, const api_request& r) -> api_response {
    try {
      return f(c, r);
    } catch (const bad_request& e) {
      return error_response(e.error);
    }
  };
}

} // namespace downhill::http
