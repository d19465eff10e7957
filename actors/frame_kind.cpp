#include "actors/frame_kind.hpp"

#include <cstddef>
#include <iterator>

namespace downhill {

namespace {

// Indexed by frame_kind. Sent to clients as each frame's "type": changing
// one breaks them.
constexpr const char* frame_kind_names[] = {
  "run",
  "progress",
  "log",
};

static_assert(sizeof(frame_kind_names) / sizeof(frame_kind_names[0])
                == static_cast<size_t>(frame_kind::log) + 1,
              "every frame kind needs a name");

} // namespace

const char* to_string(frame_kind kind) {
  return frame_kind_names[static_cast<size_t>(kind)];
}

std::optional<frame_kind> frame_kind_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(frame_kind_names); ++i)
    if (name == frame_kind_names[i])
      return static_cast<frame_kind>(i);
  return std::nullopt;
}

} // namespace downhill
