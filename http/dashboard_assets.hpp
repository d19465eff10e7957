// The dashboard's files (http/dashboard/), embedded at build time.
#pragma once

#include <string>
#include <vector>

namespace downhill::http {

struct dashboard_asset {
  std::string path;  // "/index.html"
  std::string content_type;
  std::string content;
};

const std::vector<dashboard_asset>& dashboard_assets();

} // namespace downhill::http
