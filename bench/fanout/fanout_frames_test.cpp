// The fan-out bench's own reading of the wire (bench/fanout): frames cut
// out of received bytes, and the fields found in them without a JSON
// parse. A mistake here would make the bench's "missed" and delay columns
// wrong without failing it.
#include "fanout/frame_scan.hpp"
#include "fanout/server_frames.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace downhill::bench;

namespace {

std::string server_text_frame(const std::string& payload) {
  std::string f;
  f += static_cast<char>(0x81);
  if (payload.size() < 126) {
    f += static_cast<char>(payload.size());
  } else {
    f += static_cast<char>(126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  return f + payload;
}

} // namespace

TEST_CASE("the fan-out bench cuts server frames out of received bytes, "
          "whole or in parts") {
  auto small = server_text_frame("hello");
  auto large = server_text_frame(std::string(300, 'x'));
  auto bytes = small + large;

  auto first = cut_frame(bytes);
  REQUIRE(first.result == server_frame::cut::frame);
  CHECK(first.opcode == text_opcode);
  CHECK(first.fin);
  CHECK(first.payload == "hello");
  CHECK(first.size == small.size());

  auto second = cut_frame(std::string_view{bytes}.substr(first.size));
  REQUIRE(second.result == server_frame::cut::frame);
  CHECK(second.payload.size() == 300);
  CHECK(second.size == large.size());

  // Every prefix of a frame is "need more", never a frame or an error.
  for (size_t n = 0; n < large.size(); ++n)
    CHECK(cut_frame(std::string_view{large}.substr(0, n)).result
          == server_frame::cut::need_more);

  // A masked frame is a client's, never the server's.
  auto masked = small;
  masked[1] = static_cast<char>(masked[1] | 0x80);
  CHECK(cut_frame(masked).result == server_frame::cut::bad);

  // A pong echoes a ping's payload, masked (with a zero mask).
  auto pong = client_frame(pong_opcode, "abc");
  CHECK(pong == std::string("\x8a\x83\0\0\0\0abc", 9));
}

TEST_CASE("the fan-out bench reads a frame's send time, kind, run and line "
          "without a JSON parse") {
  CHECK(parse_time_us("1970-01-01T00:00:00.000001Z") == 1);
  CHECK(parse_time_us("2000-03-01T00:00:00.000000Z") == 951868800000000);
  CHECK(parse_time_us("2026-11-26T04:31:07.123456Z") == 1795667467123456);
  CHECK(parse_time_us("2026-11-26T04:31:07Z") == -1);

  // A message that quotes a key does not fool the scan: inside a JSON
  // string its quotes are escaped.
  auto log = scan_frame(
    R"({"at":"2026-11-26T04:31:07Z","level":"info",)"
    R"("message":"say \"type\":\"run\" and \"seq\":9","run_id":"42",)"
    R"("sent_at":"2026-11-26T04:31:07.123456Z","seq":7,"task":"t",)"
    R"("type":"log"})");
  CHECK(log.type == scanned_frame::kind::log);
  CHECK(log.run_id == 42);
  CHECK(log.seq == 7);
  CHECK(log.sent_us == 1795667467123456);

  auto progress = scan_frame(
    R"({"percent":5,"phase":"clone","run_id":"8",)"
    R"("sent_at":"2026-11-26T04:31:07.000001Z","task":"t","type":"progress"})");
  CHECK(progress.type == scanned_frame::kind::progress);
  CHECK(progress.run_id == 8);

  // A run frame is left to the full parse, which finds its status.
  std::string run_text
    = R"({"run":{"id":"9","status":"succeeded","total_logs":12,)"
      R"("type":"sync_environments"},)"
      R"("sent_at":"2026-11-26T04:31:07.000002Z","type":"run"})";
  auto run = scan_frame(run_text);
  CHECK(run.type == scanned_frame::kind::other);
  CHECK(run.sent_us == 1795667467000002);
  read_run_frame(run_text, run);
  CHECK(run.type == scanned_frame::kind::run);
  CHECK(run.run_id == 9);
  CHECK(run.final);
  CHECK(run.total_logs == 12);
}
