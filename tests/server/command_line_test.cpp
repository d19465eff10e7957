// The command line: its own parsing of sizes (CLI::AsSizeValue) and of the
// server's URL (Boost.URL), where a mistake exits 2 and touches nothing;
// then `jobs run` against a real server.
#include "org_fixture.hpp"
#include "server_process.hpp"
#include "../unit/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace downhill::testing;

TEST_CASE("a malformed --copy-rate-limit exits 2 before the data directory "
          "is touched") {
  scratch_dir scratch;
  auto var = scratch.path / "var";
  for (auto rate : {"fast", "-1", "1.5M", "5X", "99999999999G"}) {
    auto r = run_downhill({"serve", "--data-dir", var.string(), "--listen",
                           "127.0.0.1:0", "--copy-rate-limit", rate});
    INFO(rate << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--copy-rate-limit") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(var));
}

TEST_CASE("jobs run refuses a server that is not an http:// URL with exit "
          "2") {
  for (auto url : {"ftp://127.0.0.1:8080", "127.0.0.1:8080", "http://",
                   "http://127.0.0.1:99999", "http://127.0.0.1:"}) {
    auto r = run_downhill({"jobs", "run", "--server", url, "--token", "t",
                           "--name", "n", "--base", "main", "--target", "b"});
    INFO(url << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--server") != std::string::npos);
  }
}

TEST_CASE_METHOD(org_fixture, "jobs run submits a job and follows its run "
                              "to the end over the WebSocket") {
  auto r = run_downhill(
    {"jobs", "run", "--server",
     "http://127.0.0.1:" + std::to_string(server.port()), "--token",
     alice_token(), "--type", "create_environment", "--name", "Make staging",
     "--base", "main", "--target", "staging"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Make staging (main -> staging)") != std::string::npos);
  CHECK(r.out.find(" succeeded in ") != std::string::npos);
}

TEST_CASE_METHOD(org_fixture, "downhill --version prints the version that "
                              "/healthz reports, and exits 0") {
  auto r = run_downhill({"--version"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto health = admin.get("/healthz");
  REQUIRE(health.status == 200);
  auto version = health.data().value("version", "");
  CHECK(std::regex_match(version, std::regex{R"(\d+\.\d+\.\d+)"}));
  CHECK(r.out == "downhill " + version + "\n");
}
