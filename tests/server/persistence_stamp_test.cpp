// An environment whose content database carries a wrong stamp: the server
// refuses to use it (a JSON error to every content request on it, nothing
// written, a sync from it fails) and goes on serving everything else.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

using namespace downhill::testing;

namespace {

void check_refused(const response& r) {
  CHECK(r.status == 500);
  auto error = r.data()["error"];
  CHECK(error["code"] == "internal");
  CHECK(error.contains("error_id"));
}

} // namespace

TEST_CASE_METHOD(org_fixture, "a content store with a wrong stamp gets a "
                              "JSON error, not a crash, and is not written") {
  put_entry("main", "post-1", "Hello", "first words");
  create_environment("main", "staging");
  store_inspector inspector{server.data_dir()};
  auto main_content = inspector.environment_dir(org, "main") / "content.db";
  REQUIRE(server.stop() == 0);
  inspector.execute(main_content, "PRAGMA application_id = 1234");
  server.start();
  reconnect();

  check_refused(alice.get(env_path("main") + "/entries/post-1"));
  check_refused(alice.get(env_path("main") + "/entries"));
  check_refused(alice.put(env_path("main") + "/entries/post-2",
                          {{"content_type", "article"}, {"title", "New"}}));
  check_refused(alice.get(env_path("main") + "/search?q=words"));

  // Nothing was written into it, and its stamp was not "repaired".
  CHECK(inspector.entry_ids(org, "main") == std::vector<std::string>{"post-1"});
  // The server is still up, and the other environment still answers.
  auto staging = alice.get(env_path("staging") + "/entries/post-1");
  CHECK(staging.status == 200);
  CHECK(staging.data()["title"] == "Hello");
  CHECK(alice.get(org_path() + "/environments").status == 200);

  // A sync from it fails at its snapshot, saying why, and copies nothing.
  auto run = sync_and_wait("main", "staging");
  CHECK(run["status"] == "failed");
  bool explained = false;
  for (auto& line : all_logs(run["id"].get<std::string>()))
    explained = explained
                || line["message"].get<std::string>().find(
                     "is not a downhill content database")
                     != std::string::npos;
  CHECK(explained);
  CHECK(alice.get(env_path("staging") + "/entries/post-1").status == 200);

  // Stamped right again, the environment opens as before.
  REQUIRE(server.stop() == 0);
  inspector.execute(main_content, "PRAGMA application_id = 0x64686331");
  server.start();
  reconnect();
  CHECK(alice.get(env_path("main") + "/entries/post-1").status == 200);
}
