// The crash-recovery tests kill a sync at every crash point in
// persistence/crash_points.hpp's list. This test reads the product's
// sources: a crash_point("...") call naming a point not in that list (one
// the crash tests would never arm) fails it, as does a listed point that
// no code reaches any more.
#include "persistence/crash_points.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using downhill::persistence::every_crash_point;

TEST_CASE("every crash point in the sources is in the list the crash tests "
          "run, and every listed one is in the sources") {
  namespace fs = std::filesystem;
  const fs::path root = DOWNHILL_SOURCE_DIR;
  const std::regex call{R"(crash_point\(\s*"([^"]*)\"\s*\))"};
  std::set<std::string> named;
  size_t files = 0;
  for (auto dir : {"actors", "persistence", "scheduler", "http", "cli"}) {
    for (auto& entry : fs::recursive_directory_iterator(root / dir)) {
      auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp"))
        continue;
      ++files;
      std::ifstream in{entry.path()};
      std::stringstream text;
      text << in.rdbuf();
      auto source = text.str();
      for (std::sregex_iterator i{source.begin(), source.end(), call}, end;
           i != end; ++i)
        named.insert((*i)[1]);
    }
  }
  REQUIRE(files > 20);  // the sources were found
  std::set<std::string> listed;
  for (auto& point : every_crash_point)
    listed.insert(point.name);
  CHECK(listed.size() == std::size(every_crash_point));  // no name twice
  CHECK(named == listed);
}
