// Entries are parsed with Boost.JSON, not nlohmann: a 256 KiB body went
// through nlohmann's lexer one character at a time (a seventh of the
// server's CPU while it filled); Boost.JSON scans strings in blocks. The
// checks and their messages are those of request_parsing.hpp.
#include "http/entry_input.hpp"

#include "http/json_limits.hpp"
#include "http/request_parsing.hpp"

#include <boost/json.hpp>

namespace downhill::http {

namespace {

namespace bj = boost::json;

[[noreturn]] void invalid(const std::string& field, const std::string& what) {
  throw bad_request{make_error(error_code::invalid_field, what, field)};
}

[[noreturn]] void invalid_json(const std::string& what) {
  throw bad_request{make_error(error_code::invalid_json, what)};
}

bool is_id_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
         || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/// `text` as a JSON object, nesting at most max_json_depth deep; `what`
/// names it in the errors ("body" or "line").
bj::object object_of(std::string_view text, const std::string& what) {
  if (nests_deeper_than(text, max_json_depth))
    invalid_json("The " + what + " nests arrays and objects deeper than "
                 + std::to_string(max_json_depth) + " levels.");
  bj::parse_options options;
  options.max_depth = max_json_depth + 1;  // nests_deeper_than decided
  bj::error_code ec;
  auto value = bj::parse(bj::string_view{text.data(), text.size()}, ec, {},
                         options);
  if (ec)
    invalid_json("The " + what + " is not valid JSON.");
  if (!value.is_object())
    invalid_json("The " + what + " must be a JSON object.");
  return std::move(value.as_object());
}

/// As required_string.
std::string required(const bj::object& object, const std::string& field,
                     size_t max_size) {
  auto i = object.find(field);
  if (i == object.end() || !i->value().is_string())
    invalid(field, field + " is required and must be a string.");
  auto& value = i->value().get_string();
  if (value.empty() || value.size() > max_size)
    invalid(field, field + " must be 1 to " + std::to_string(max_size)
                     + " characters.");
  return std::string{value.data(), value.size()};
}

/// As optional_string.
std::string optional(const bj::object& object, const std::string& field,
                     size_t max_size, const std::string& fallback = {}) {
  auto i = object.find(field);
  if (i == object.end() || i->value().is_null())
    return fallback;
  if (!i->value().is_string())
    invalid(field, field + " must be a string.");
  auto& value = i->value().get_string();
  if (value.size() > max_size)
    invalid(field, field + " must be at most " + std::to_string(max_size)
                     + " characters.");
  return std::string{value.data(), value.size()};
}

persistence::entry_input entry_of(const std::string& id,
                                  const bj::object& body) {
  persistence::entry_input in;
  in.id = checked_entry_id(id);
  in.content_type = required(body, "content_type", 64);
  in.locale = optional(body, "locale", 35, "en");
  in.title = required(body, "title", 1000);
  in.body = optional(body, "body", 512 * 1024);
  if (auto fields = body.find("fields"); fields != body.end()) {
    if (!fields->value().is_object())
      invalid("fields", "fields must be a JSON object.");
    // Stored as text and read back with nlohmann (json_views): the same
    // values, whatever the spelling of their numbers.
    in.fields_json = bj::serialize(fields->value());
  }
  return in;
}

} // namespace

const std::string& checked_entry_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char ch : id)
    ok = ok && is_id_char(ch);
  if (!ok)
    invalid("id", "An entry id is 1-128 characters of letters, digits, '-', "
                  "'_' and '.'.");
  return id;
}

persistence::entry_input entry_from(const std::string& id,
                                    std::string_view body) {
  return entry_of(id, object_of(body, "body"));
}

std::vector<persistence::entry_input>
entries_from_lines(std::string_view body, size_t max_entries) {
  std::vector<persistence::entry_input> entries;
  size_t line_number = 0;
  while (!body.empty()) {
    auto end = body.find('\n');
    auto line = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    if (entries.size() == max_entries)
      throw bad_import_line{
        make_error(error_code::invalid_field,
                   "An import holds at most " + std::to_string(max_entries)
                     + " entries.",
                   "entries"),
        line_number};
    try {
      auto object = object_of(line, "line");
      entries.push_back(entry_of(required(object, "id", 128), object));
    } catch (const bad_request& e) {
      throw bad_import_line{e.error, line_number};
    }
  }
  return entries;
}

} // namespace downhill::http
