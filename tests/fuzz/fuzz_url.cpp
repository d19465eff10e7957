// Fuzzes request targets and query strings (http/url.hpp), which both HTTP
// routes and WebSocket upgrades split before anything else looks at them.
#include "http/url.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

using namespace downhill::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string target(reinterpret_cast<const char*>(data), size);

  std::string path;
  std::map<std::string, std::string> query;
  split_target(target, path, query);
  // The path is everything before the first '?', untouched.
  if (target.compare(0, path.size(), path) != 0
      || path.find('?') != std::string::npos)
    std::abort();
  if (path.size() < target.size() && target[path.size()] != '?')
    std::abort();
  if (path.size() == target.size() && !query.empty())
    std::abort();

  // Decoding never grows the text, and text without '%' or '+' is kept.
  auto decoded = percent_decode(target);
  if (decoded.size() > target.size())
    std::abort();
  if (target.find_first_of("%+") == std::string::npos && decoded != target)
    std::abort();
  return 0;
}
