#include "actors/frame_kind.hpp"

#include "persistence/name_table.hpp"

namespace downhill {

namespace {

// Sent to clients as each frame's "type": changing a name breaks them.
constexpr auto names =
  name_table<frame_kind, frame_kind::log>::of({
    "run",
    "progress",
    "log",
  });

} // namespace

const char* to_string(frame_kind kind) {
  return names.name(kind);
}

std::optional<frame_kind> frame_kind_from_string(std::string_view name) {
  return names.value(name);
}

} // namespace downhill
