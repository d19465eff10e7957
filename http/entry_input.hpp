// An entry as a client writes it (PUT .../entries/{id}, or one line of
// POST .../entries/import), checked field by field into the store's input:
// both routes accept exactly the same entries.
#pragma once

#include "http/api_types.hpp"
#include "persistence/content_store.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace downhill::http {

/// `id` if it is 1-128 letters, digits, '-', '_' and '.'; bad_request
/// (invalid_field, field `id`) otherwise.
const std::string& checked_entry_id(const std::string& id);

/// The entry a request body describes (a JSON object of content_type,
/// locale, title, body, fields), with `id`; bad_request (invalid_json, or
/// invalid_field for the first bad field) otherwise.
persistence::entry_input entry_from(const std::string& id,
                                    std::string_view body);

/// A bad line of an import: the error its entry would get from PUT, and
/// the line's number (from 1).
struct bad_import_line {
  api_error error;
  size_t line = 0;
};

/// Every entry of an NDJSON import body (one JSON object per line, with
/// its `id`; blank lines are skipped), in order. Throws bad_import_line
/// for the first bad line, or for the line past `max_entries`.
std::vector<persistence::entry_input> entries_from_lines(std::string_view body,
                                                         size_t max_entries);

} // namespace downhill::http
