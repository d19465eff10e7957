#include "http/url.hpp"

namespace downhill::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0
               && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16
                               + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

void split_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query) {
  auto mark = target.find('?');
  path = target.substr(0, mark);
  if (mark == std::string::npos)
    return;
  auto rest = target.substr(mark + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    auto end = rest.find('&', start);
    if (end == std::string::npos)
      end = rest.size();
    auto pair = rest.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq));
      auto value = eq == std::string::npos ? ""
                                           : percent_decode(pair.substr(eq + 1));
      query.emplace(std::move(key), std::move(value));
    }
    start = end + 1;
  }
}

} // namespace downhill::http
