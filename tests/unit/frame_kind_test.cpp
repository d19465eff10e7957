// The frame kind table: every kind round-trips through the "type" its
// frames carry (docs/api.md, "WebSocket events"); a name the table does not
// hold is no kind.
#include "actors/frame_kind.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace downhill;

TEST_CASE("every frame kind round-trips through its type on the wire") {
  // What clients read in each frame's "type": fixed.
  const std::pair<frame_kind, std::string> names[] = {
    {frame_kind::run, "run"},
    {frame_kind::progress, "progress"},
    {frame_kind::log, "log"},
  };
  for (auto& [kind, name] : names) {
    CHECK(to_string(kind) == name);
    CHECK(frame_kind_from_string(name) == kind);
  }
}

TEST_CASE("a frame type the table does not hold is no kind") {
  for (const char* name : {"", "Run", "logs", "progress ", "summary", "hello"})
    CHECK_FALSE(frame_kind_from_string(name).has_value());
}
