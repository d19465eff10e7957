// One server per data directory: a second `downhill serve` on a directory
// in use exits at once, before its start-up recovery could interrupt the
// first one's runs or delete their half-built generations.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace downhill::testing;

namespace {

command_result second_server(const server_process& first) {
  return run_downhill({"serve", "--data-dir", first.var_dir().string(),
                       "--listen", "127.0.0.1:0", "--admin-token",
                       first.admin_token()});
}

std::string lock_file_pid(const server_process& server) {
  std::ifstream in{server.var_dir() / "downhill.lock"};
  std::string pid;
  in >> pid;
  return pid;
}

} // namespace

TEST_CASE("a second server on a data directory in use exits and leaves the "
          "first one's work alone") {
  // Paced so that the sync is still copying when the second server starts:
  // the second's recovery would mark the run interrupted and delete the
  // generation being built.
  org_fixture first{{"--copy-rate-limit", "1M"}};
  store_inspector files{first.server.data_dir()};
  first.fill("main", "base", 24, 128 * 1024);  // about 3 MiB: ~3 s a copy
  first.create_environment("main", "staging");
  first.put_entry("main", "main-only", "Main only", "new data");
  auto r = first.submit_sync("main", "staging");
  REQUIRE(r.status == 201);
  std::string run_id = r.data()["run"]["id"];
  first.wait_for_progress(run_id, 5);

  auto second = second_server(first.server);

  CHECK(second.exit_code != 0);
  CHECK_THAT(second.err, Catch::Contains(first.server.var_dir().string()));
  CHECK_THAT(second.err,
             Catch::Contains("pid " + std::to_string(first.server.pid())));
  CHECK_THAT(second.out, !Catch::Contains("listening"));
  // The first server's run went on undisturbed and switched the target.
  CHECK(first.get_run(run_id)["status"] == "running");
  CHECK(first.wait_for_run(run_id)["status"] == "succeeded");
  CHECK(first.alice.get(first.env_path("staging") + "/entries/main-only")
          .status
        == 200);
  CHECK(files.checksums(first.org, "staging")["entries"]
        == files.checksums(first.org, "main")["entries"]);
  CHECK(files.leftovers().empty());
  CHECK(files.count("SELECT count(*) FROM runs WHERE status = 'interrupted'")
        == 0);
  CHECK(lock_file_pid(first.server) == std::to_string(first.server.pid()));
}

TEST_CASE_METHOD(org_fixture, "a server killed with SIGKILL does not block "
                              "the next start on its data directory") {
  put_entry("main", "kept", "Kept", "written before the kill");
  auto killed_pid = server.pid();
  server.kill_hard();

  server.start();
  reconnect();

  CHECK(server.pid() != killed_pid);
  CHECK(lock_file_pid(server) == std::to_string(server.pid()));
  CHECK(alice.get(env_path("main") + "/entries/kept").status == 200);
  CHECK(admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
  // And the lock is held again: a third server is refused.
  auto third = second_server(server);
  CHECK(third.exit_code != 0);
  CHECK_THAT(third.err, Catch::Contains("pid " + std::to_string(server.pid())));
}
