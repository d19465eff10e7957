// The admin token: long enough to be a secret, given in a file rather than
// on the command line if the operator likes, otherwise generated once and
// kept across restarts as a hash only, until it is rotated. User tokens
// stored by older versions (SHA-1) keep working.
#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <regex>

using namespace downhill::testing;

namespace fs = std::filesystem;

namespace {

/// A scratch directory of the test's own, removed at the end.
struct scratch_dir {
  scratch_dir() {
    std::string pattern
      = (fs::temp_directory_path() / "downhill-admin-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

std::string read_file(const fs::path& file) {
  std::ifstream in{file};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path hash_file(const server_process& server) {
  return server.var_dir() / "admin-token.hash";
}

bool is_token(const std::string& text) {
  return std::regex_match(text, std::regex{"[0-9a-f]{64}"});
}

/// The token a `downhill admin-token rotate` printed.
std::string printed_token(const command_result& result) {
  std::smatch m;
  static const std::regex line{R"(admin token: ([0-9a-f]{64})\n)"};
  return std::regex_search(result.out, m, line) ? m[1].str() : "";
}

} // namespace

TEST_CASE("an admin token shorter than 32 characters is refused at start, "
          "before the data directory is touched") {
  scratch_dir scratch;
  auto var = scratch.path / "var";
  auto token_file = scratch.path / "admin-token";
  std::ofstream{token_file} << std::string(31, 't') << "\n";

  auto from_flag = run_downhill({"serve", "--data-dir", var.string(),
                                 "--listen", "127.0.0.1:0", "--admin-token",
                                 "x"});
  auto from_file = run_downhill({"serve", "--data-dir", var.string(),
                                 "--listen", "127.0.0.1:0",
                                 "--admin-token-file", token_file.string()});

  CHECK(from_flag.exit_code == 2);
  CHECK_THAT(from_flag.err, Catch::Contains("1 characters long")
                              && Catch::Contains("at least 32"));
  CHECK(from_file.exit_code == 2);
  CHECK_THAT(from_file.err, Catch::Contains(token_file.string())
                              && Catch::Contains("31 characters long"));
  CHECK_FALSE(fs::exists(var));
}

TEST_CASE("an admin token given with --admin-token works and is neither "
          "printed nor stored") {
  std::string token = "a-flag-admin-token-of-more-than-32-characters";
  server_process server{{"--admin-token", token}, admin_source::kept};
  http_client admin{server.port(), token};

  CHECK(admin.post("/api/v1/orgs", {{"name", "acme"}}).status == 201);
  CHECK(admin.with_token(token + "x").get("/api/v1/me").status == 401);
  CHECK_THAT(server.output(), !Catch::Contains(token));
  CHECK_FALSE(fs::exists(hash_file(server)));
}

TEST_CASE("the admin token can come from a file: its first line, trimmed") {
  scratch_dir scratch;
  auto token_file = scratch.path / "admin-token";
  std::string token = "a-file-admin-token-of-more-than-32-characters";
  std::ofstream{token_file} << "  " << token << " \t\nsecond line ignored\n";
  fs::permissions(token_file, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);

  server_process server{{"--admin-token-file", token_file.string()},
                        admin_source::kept};
  http_client admin{server.port(), token};

  CHECK(admin.post("/api/v1/orgs", {{"name", "acme"}}).status == 201);
  CHECK(admin.with_token(" " + token).get("/api/v1/me").status == 401);
  // An operator's token is never printed, nor stored.
  CHECK_THAT(server.output(), !Catch::Contains(token));
  CHECK_THAT(server.output(), !Catch::Contains("admin token:"));
  CHECK_FALSE(fs::exists(hash_file(server)));
}

TEST_CASE("a generated admin token is printed once and stored only as a "
          "hash, in a file of the owner's only") {
  server_process server{{}, admin_source::kept};
  auto token = server.admin_token();
  REQUIRE(is_token(token));
  http_client admin{server.port(), token};

  CHECK(admin.post("/api/v1/orgs", {{"name", "acme"}}).status == 201);
  auto stored = read_file(hash_file(server));
  CHECK(std::regex_match(stored, std::regex{"sha256:[0-9a-f]{64}\n"}));
  CHECK_THAT(stored, !Catch::Contains(token));
  struct stat st {};
  REQUIRE(::stat(hash_file(server).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  REQUIRE(server.stop() == 0);
  server.start();

  CHECK_THAT(server.output(), !Catch::Contains(token));
  CHECK_THAT(server.output(),
             Catch::Contains("admin token: the one generated at an earlier "
                             "start"));
  CHECK(read_file(hash_file(server)) == stored);
}

// The router compares the presented admin token by its hash
// (http::server_options::admin_token_hash), so a kept token works.
TEST_CASE("a generated admin token keeps working after a restart",
          "[admin-token-hash]") {
  server_process server{{}, admin_source::kept};
  auto token = server.admin_token();
  REQUIRE(is_token(token));
  http_client admin{server.port(), token};
  REQUIRE(admin.post("/api/v1/orgs", {{"name", "acme"}}).status == 201);

  REQUIRE(server.stop() == 0);
  server.start();
  admin = admin.with_port(server.port());

  CHECK(admin.post("/api/v1/orgs", {{"name", "globex"}}).status == 201);
  CHECK(admin.get("/api/v1/me").data()["admin"] == true);
}

TEST_CASE("rotating the admin token prints a new one and invalidates the "
          "old one", "[admin-token-hash]") {
  server_process server{{}, admin_source::kept};
  auto old_token = server.admin_token();
  REQUIRE(is_token(old_token));
  http_client anonymous{server.port()};
  REQUIRE(anonymous.with_token(old_token).get("/api/v1/me").status == 200);
  REQUIRE(server.stop() == 0);

  auto rotated = run_downhill(
    {"admin-token", "rotate", "--data-dir", server.var_dir().string()});
  REQUIRE(rotated.exit_code == 0);
  auto new_token = printed_token(rotated);
  REQUIRE(is_token(new_token));
  CHECK(new_token != old_token);
  server.start();
  anonymous = anonymous.with_port(server.port());

  CHECK(anonymous.with_token(new_token).post("/api/v1/orgs",
                                             {{"name", "acme"}})
          .status
        == 201);
  CHECK(anonymous.with_token(old_token).post("/api/v1/orgs",
                                             {{"name", "globex"}})
          .status
        == 401);
}

TEST_CASE("rotating the admin token while the server runs is refused") {
  server_process server{{}, admin_source::kept};
  auto stored = read_file(hash_file(server));

  auto rotated = run_downhill(
    {"admin-token", "rotate", "--data-dir", server.var_dir().string()});

  CHECK(rotated.exit_code != 0);
  CHECK_THAT(rotated.err,
             Catch::Contains("pid " + std::to_string(server.pid())));
  CHECK(printed_token(rotated).empty());
  CHECK(read_file(hash_file(server)) == stored);
  http_client admin{server.port(), server.admin_token()};
  CHECK(admin.post("/api/v1/orgs", {{"name", "acme"}}).status == 201);
}

TEST_CASE_METHOD(org_fixture, "user tokens stored as SHA-1 by older versions "
                              "keep working; new ones are stored as SHA-256") {
  store_inspector files{server.data_dir()};
  REQUIRE(server.stop() == 0);
  // What a data directory from before SHA-256 holds for a user: the bare
  // SHA-1 hex of the token (computed once with Python's hashlib).
  std::string legacy_token = "legacy-user-token-from-before-sha256-0123456789";
  files.execute(server.var_dir() / "control-plane.db",
                "INSERT INTO users (org_id, name, token_hash, created_at) "
                "VALUES ('acme', 'legacy', "
                "'f3f1f371aa28b775dc000f2a9fbb52fe136c2778', 0)");
  server.start();
  reconnect();

  auto me = alice.with_token(legacy_token).get("/api/v1/me");
  CHECK(me.status == 200);
  CHECK(me.data()["user"] == "legacy");
  CHECK(me.data()["org"] == "acme");
  CHECK(alice.get("/api/v1/me").data()["user"] == "alice");
  CHECK(files.count("SELECT count(*) FROM users WHERE name = 'alice' AND "
                    "token_hash LIKE 'sha256:%'")
        == 1);
}
