// The text of a live event frame (docs/api.md "WebSocket events"): made
// once per frame and shared by every subscriber, never copied per client.
#pragma once

#include "actors/frame_kind.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace downhill {

/// Wall-clock time in microseconds since the Unix epoch.
int64_t now_us();

/// RFC 3339 in UTC with microseconds: "2026-11-26T04:31:07.123456Z".
std::string format_time_us(int64_t us_since_epoch);

/// `body` with its "type" (`kind`) and "sent_at" (now, with microseconds,
/// so that a client can measure its delivery delay), serialized. Bytes that
/// are not valid UTF-8 become U+FFFD instead of an exception.
std::shared_ptr<const std::string> frame_text(frame_kind kind,
                                              nlohmann::json body);

} // namespace downhill
