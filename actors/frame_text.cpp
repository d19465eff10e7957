#include "actors/frame_text.hpp"

#include <date/date.h>

#include <chrono>

namespace downhill {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string format_time_us(int64_t us) {
  // %T of a microsecond time point prints HH:MM:SS.uuuuuu.
  return date::format("%FT%TZ", date::sys_time<std::chrono::microseconds>{
                                  std::chrono::microseconds{us}});
}

std::shared_ptr<const std::string> frame_text(frame_kind kind,
                                              nlohmann::json body) {
  body["type"] = to_string(kind);
  body["sent_at"] = format_time_us(now_us());
  return std::make_shared<const std::string>(
    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace downhill
