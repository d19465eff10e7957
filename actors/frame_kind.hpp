// The kinds of a run's live event frames (docs/api.md "WebSocket events").
// A frame's name is its JSON "type"; frame_kind.cpp holds the one table of
// them, used both ways. The event hub and a WebSocket session keep frames
// by kind: the latest run frame, every log frame, the latest progress frame
// of each task.
#pragma once

#include <optional>
#include <string_view>

namespace downhill {

/// Values are only appended: the table is indexed by them.
enum class frame_kind {
  run,       // the run's summary
  progress,  // one task's phase and percent
  log,       // one line of the run's log
};

const char* to_string(frame_kind kind);

/// The kind a frame's "type" names; empty for a name no table row holds.
/// Never a default.
std::optional<frame_kind> frame_kind_from_string(std::string_view name);

} // namespace downhill
