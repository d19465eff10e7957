#include "http/entry_input.hpp"

#include "http/json_limits.hpp"
#include "http/request_parsing.hpp"

namespace downhill::http {

namespace {

[[noreturn]] void invalid(const std::string& field, const std::string& what) {
  throw bad_request{make_error(error_code::invalid_field, what, field)};
}

bool is_id_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
         || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/// One line's entry, or bad_request for what PUT would refuse.
persistence::entry_input entry_from_line(std::string_view line) {
  auto object = parse_bounded(line);
  if (object.is_discarded())
    throw bad_request{make_error(error_code::invalid_json,
                                 "The line is not valid JSON, or nests "
                                 "deeper than "
                                   + std::to_string(max_json_depth)
                                   + " levels.")};
  if (!object.is_object())
    throw bad_request{make_error(error_code::invalid_json,
                                 "The line must be a JSON object.")};
  return entry_from(required_string(object, "id", 128), object);
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
                                    const nlohmann::json& body) {
  persistence::entry_input in;
  in.id = checked_entry_id(id);
  in.content_type = required_string(body, "content_type", 64);
  in.locale = optional_string(body, "locale", 35, "en");
  in.title = required_string(body, "title", 1000);
  in.body = optional_string(body, "body", 512 * 1024);
  if (auto fields = body.find("fields"); fields != body.end()) {
    if (!fields->is_object())
      invalid("fields", "fields must be a JSON object.");
    in.fields_json = fields->dump();
  }
  return in;
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
      entries.push_back(entry_from_line(line));
    } catch (const bad_request& e) {
      throw bad_import_line{e.error, line_number};
    }
  }
  return entries;
}

} // namespace downhill::http
