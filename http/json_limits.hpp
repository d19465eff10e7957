// The bounds on every JSON document the server reads or writes: a nesting
// depth checked before parsing (the library's dump and copy recurse, so a
// deep document would overflow the stack), and dumps that never throw on
// text that is not valid UTF-8.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace downhill::http {

/// The deepest nesting of arrays and objects any document may have.
constexpr size_t max_json_depth = 64;

/// Whether `text` nests arrays and objects deeper than `max_depth`. A linear
/// scan that skips strings; it does not validate the rest of the syntax.
bool nests_deeper_than(std::string_view text, size_t max_depth);

/// Parses `text` if it nests at most max_json_depth deep; a discarded value
/// (`is_discarded()`) if it is too deep or not JSON. Never throws.
nlohmann::json parse_bounded(std::string_view text);

/// `value.dump()`, with bytes that are not valid UTF-8 replaced by U+FFFD
/// instead of an exception: whatever a client sent can be echoed safely.
std::string safe_dump(const nlohmann::json& value);

} // namespace downhill::http
