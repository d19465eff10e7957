// Splitting a request target into its path and decoded query parameters.
#pragma once

#include <map>
#include <string>

namespace downhill::http {

std::string percent_decode(const std::string& text);

/// "/a/b?x=1&y=%20" -> path "/a/b", query {x: "1", y: " "}.
void split_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

} // namespace downhill::http
