#include "http/request_parsing.hpp"

#include "http/json_limits.hpp"

#include <charconv>

namespace downhill::http {

namespace {

[[noreturn]] void invalid(const std::string& field, const std::string& what) {
  throw bad_request{make_error(error_code::invalid_field, what, field)};
}

} // namespace

nlohmann::json parse_object(const std::string& body) {
  if (nests_deeper_than(body, max_json_depth))
    throw bad_request{make_error(
      error_code::invalid_json,
      "The body nests arrays and objects deeper than "
        + std::to_string(max_json_depth) + " levels.")};
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    throw bad_request{make_error(error_code::invalid_json,
                                 "The body is not valid JSON.")};
  if (!parsed.is_object())
    throw bad_request{make_error(error_code::invalid_json,
                                 "The body must be a JSON object.")};
  return parsed;
}

std::string required_string(const nlohmann::json& object,
                            const std::string& field, size_t max_size) {
  auto i = object.find(field);
  if (i == object.end() || !i->is_string())
    invalid(field, field + " is required and must be a string.");
  auto value = i->get<std::string>();
  if (value.empty() || value.size() > max_size)
    invalid(field, field + " must be 1 to " + std::to_string(max_size)
                     + " characters.");
  return value;
}

std::string optional_string(const nlohmann::json& object,
                            const std::string& field, size_t max_size,
                            const std::string& fallback) {
  auto i = object.find(field);
  if (i == object.end() || i->is_null())
    return fallback;
  if (!i->is_string())
    invalid(field, field + " must be a string.");
  auto value = i->get<std::string>();
  if (value.size() > max_size)
    invalid(field, field + " must be at most " + std::to_string(max_size)
                     + " characters.");
  return value;
}

int64_t query_int(const api_request& request, const std::string& name,
                  int64_t fallback, int64_t min, int64_t max) {
  auto i = request.query.find(name);
  if (i == request.query.end() || i->second.empty())
    return fallback;
  int64_t value = 0;
  auto& text = i->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min
      || value > max)
    invalid(name, name + " must be a whole number from " + std::to_string(min)
                    + " to " + std::to_string(max) + ".");
  return value;
}

int64_t id_param(const api_request& request, const std::string& name) {
  auto& text = request.param(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0)
    throw bad_request{make_error(error_code::not_found,
                                 "No " + name + " with id '" + text + "'.")};
  return value;
}

} // namespace downhill::http
