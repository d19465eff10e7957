// Fuzzes the JSON bodies of the write routes: http::parse_object and the
// field readers, used the way the handlers use them (handlers_*.cpp). The
// only exception any of them may throw is bad_request, which the route
// wrapper turns into a 4xx; anything else would be a 500 or a crash.
#include "http/json_limits.hpp"
#include "http/request_parsing.hpp"
#include "scheduler/schedule.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace downhill::http;
using json = nlohmann::json;

namespace {

struct field {
  const char* name;
  size_t max_size;
  bool required;
};

// Every string field a route reads, with its bound (handlers_*.cpp).
constexpr field fields[] = {
  {"name", 63, true},               // orgs, users
  {"name", 200, true},              // jobs, webhooks and other items
  {"type", 64, true},               // jobs
  {"base_environment", 63, true},   // jobs
  {"target_environment", 63, true}, // sync jobs
  {"new_environment", 63, true},    // create jobs
  {"display_name", 100, false},     // create jobs
  {"content_type", 64, true},       // entries
  {"locale", 35, false},            // entries
  {"title", 1000, true},            // entries
  {"body", 512 * 1024, false},      // entries
};

size_t depth(const json& value) {
  size_t deepest = 0;
  if (value.is_structured())
    for (auto& child : value)
      deepest = std::max(deepest, depth(child));
  return value.is_structured() ? deepest + 1 : 0;
}

void read_fields(const json& object) {
  for (auto& f : fields) {
    try {
      auto value = f.required ? required_string(object, f.name, f.max_size)
                              : optional_string(object, f.name, f.max_size);
      if (value.size() > f.max_size || (f.required && value.empty()))
        std::abort();  // a reader let a value out of its bounds
    } catch (const bad_request& e) {
      if (e.error.field != f.name)
        std::abort();  // the error names the field it concerns
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  json object;
  try {
    object = parse_object(body);
  } catch (const bad_request&) {
    return 0;
  }
  if (!object.is_object())
    std::abort();
  if (depth(object) > max_json_depth)
    std::abort();  // parse_object lets no deeper body through
  read_fields(object);
  // What the handlers do with an accepted object: store it as text
  // (settings, items, an entry's fields) and parse its schedule.
  auto stored = object.dump();
  if (json::parse(stored) != object)
    std::abort();  // stored text must read back as the same object
  if (auto fields = object.find("fields");
      fields != object.end() && fields->is_object())
    (void)fields->dump();
  if (auto schedule = object.find("schedule"); schedule != object.end())
    (void)downhill::scheduler::parse_schedule(schedule->dump());
  object.erase("name");
  object.erase("id");
  object.erase("created_at");
  (void)object.dump();
  return 0;
}
