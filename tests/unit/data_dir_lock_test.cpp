#include "persistence/data_dir_lock.hpp"

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <optional>

using namespace downhill::persistence;
using downhill::testing::scratch_dir;

namespace {

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in{file};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("a locked data directory refuses a second lock, naming the "
          "holder's pid and the directory") {
  scratch_dir dir;
  data_dir_lock first{dir.path};
  CHECK(file_text(dir.path / "downhill.lock")
        == std::to_string(getpid()) + "\n");

  // flock locks belong to an open file: a second open conflicts even in the
  // same process, as a second server's would.
  try {
    data_dir_lock second{dir.path};
    FAIL("the second lock was granted");
  } catch (const data_dir_in_use& e) {
    CHECK(e.holder() == getpid());
    CHECK_THAT(e.what(), Catch::Contains(dir.path.string())
                           && Catch::Contains("pid "
                                              + std::to_string(getpid())));
  }
}

TEST_CASE("a released data directory lock can be taken again") {
  scratch_dir dir;
  std::optional<data_dir_lock> first{std::in_place, dir.path};
  first.reset();
  CHECK_NOTHROW(data_dir_lock{dir.path});
}

TEST_CASE("a lock file left by a dead server does not block") {
  scratch_dir dir;
  // What a killed server leaves: its pid, and no lock (the kernel dropped
  // it with the process).
  std::ofstream{dir.path / "downhill.lock"} << "999999\n";
  data_dir_lock lock{dir.path};
  CHECK(file_text(dir.path / "downhill.lock")
        == std::to_string(getpid()) + "\n");
}
