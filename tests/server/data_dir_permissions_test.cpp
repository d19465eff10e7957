// The data directory holds every organization's content and the token
// hashes: only its owner may read it. Directories are 0700 and files 0600,
// including SQLite's -wal and -shm files and a sync's generations.
#include "org_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <vector>

using namespace downhill::testing;

namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot stat " + path.string());
  return st.st_mode & 07777;
}

/// Every path under `dir` whose mode lets anyone but the owner in.
std::vector<std::string> open_to_others(const fs::path& dir) {
  std::vector<std::string> found;
  for (auto& item : fs::recursive_directory_iterator{dir}) {
    auto mode = mode_of(item.path());
    bool ok = item.is_directory() ? mode == 0700 : (mode & 077) == 0;
    if (!ok)
      found.push_back(item.path().string() + " "
                      + std::to_string(mode / 64) + std::to_string(mode / 8 % 8)
                      + std::to_string(mode % 8));
  }
  return found;
}

} // namespace

TEST_CASE_METHOD(org_fixture, "the data directory and everything in it is "
                              "its owner's only") {
  put_entry("main", "welcome", "Welcome", "hello");
  create_environment("main", "staging");
  put_entry("main", "later", "Later", "synced");
  REQUIRE(sync_and_wait("main", "staging")["status"] == "succeeded");
  auto var = server.var_dir();
  // The files this test must see: the control plane with its WAL, and
  // an environment's generation.
  REQUIRE(fs::exists(var / "control-plane.db"));
  REQUIRE(fs::exists(var / "control-plane.db-wal"));
  REQUIRE(fs::exists(var / "downhill.lock"));
  REQUIRE(fs::exists(var / "environments"));

  CHECK(mode_of(var) == 0700);
  CHECK(open_to_others(var) == std::vector<std::string>{});
}

TEST_CASE_METHOD(org_fixture, "a data directory left open to others by an "
                              "older version is made private at start") {
  REQUIRE(server.stop() == 0);
  fs::permissions(server.var_dir(), fs::perms::owner_all
                                      | fs::perms::group_read
                                      | fs::perms::group_exec
                                      | fs::perms::others_read
                                      | fs::perms::others_exec,
                  fs::perm_options::replace);
  REQUIRE(mode_of(server.var_dir()) == 0755);

  server.start();
  reconnect();

  CHECK(mode_of(server.var_dir()) == 0700);
  CHECK(alice.get(env_path("main") + "/entries").status == 200);
}
