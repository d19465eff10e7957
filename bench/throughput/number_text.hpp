// Numbers as the benches print them.
#pragma once

#include <cstdio>
#include <string>

namespace downhill::bench {

/// `value` with `digits` digits after the point ("12.35").
inline std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

} // namespace downhill::bench
