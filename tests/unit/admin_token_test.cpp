#include "cli/admin_token.hpp"
#include "persistence/admin_token_store.hpp"
#include "persistence/tokens.hpp"

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

using namespace downhill::cli;
using downhill::testing::scratch_dir;
namespace persistence = downhill::persistence;

namespace {

const std::string long_token = "an-operator-token-of-forty-characters-xy";

/// Unsets $DOWNHILL_ADMIN_TOKEN for a test, or sets it.
struct admin_token_env {
  explicit admin_token_env(const char* value = nullptr) {
    if (value)
      setenv("DOWNHILL_ADMIN_TOKEN", value, 1);
    else
      unsetenv("DOWNHILL_ADMIN_TOKEN");
  }
  ~admin_token_env() { unsetenv("DOWNHILL_ADMIN_TOKEN"); }
};

} // namespace

TEST_CASE("an operator's admin token must have at least 32 characters") {
  admin_token_env none;
  CHECK_THROWS_AS(operator_admin_token(true, std::string(31, 'a'), ""),
                  usage_error);
  auto ok = operator_admin_token(true, std::string(32, 'a'), "");
  REQUIRE(ok);
  CHECK(ok->from == admin_token::origin::flag);
  CHECK(ok->hash == persistence::hash_token(std::string(32, 'a')));
  // Given but empty is a mistake too, not "none given".
  CHECK_THROWS_AS(operator_admin_token(true, "", ""), usage_error);
}

TEST_CASE("the admin token comes from the flag, the file or the environment") {
  scratch_dir dir;
  auto file = dir.path / "token";
  std::ofstream{file} << "\t " << long_token << "  \r\nnot this line\n";
  {
    admin_token_env none;
    CHECK_FALSE(operator_admin_token(false, "", ""));
    auto from_file = operator_admin_token(false, "", file.string());
    REQUIRE(from_file);
    CHECK(from_file->from == admin_token::origin::file);
    CHECK(from_file->token == long_token);
    CHECK_THROWS_AS(operator_admin_token(true, long_token, file.string()),
                    usage_error);
    CHECK_THROWS_AS(operator_admin_token(false, "",
                                         (dir.path / "missing").string()),
                    usage_error);
  }
  {
    admin_token_env set{long_token.c_str()};
    auto from_env = operator_admin_token(false, "", "");
    REQUIRE(from_env);
    CHECK(from_env->from == admin_token::origin::environment);
    CHECK(from_env->token == long_token);
  }
  {
    admin_token_env too_short{"short"};
    CHECK_THROWS_AS(operator_admin_token(false, "", ""), usage_error);
  }
}

TEST_CASE("a generated admin token is kept as a hash and replaced by a "
          "rotation") {
  scratch_dir dir;
  auto first = kept_admin_token(dir.path);
  CHECK(first.from == admin_token::origin::generated);
  CHECK(first.hash == persistence::hash_token(first.token));
  struct stat st {};
  REQUIRE(::stat((dir.path / "admin-token.hash").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto again = kept_admin_token(dir.path);
  CHECK(again.from == admin_token::origin::stored);
  CHECK(again.token.empty());
  CHECK(again.hash == first.hash);

  auto rotated = rotate_admin_token(dir.path);
  CHECK(rotated != first.token);
  CHECK(persistence::load_admin_token_hash(dir.path)
        == persistence::hash_token(rotated));
  // The temporary file of the atomic replace is gone.
  CHECK_FALSE(std::filesystem::exists(dir.path / "admin-token.hash.new"));
}

TEST_CASE("a damaged stored admin token hash stops the start") {
  scratch_dir dir;
  std::ofstream{dir.path / "admin-token.hash"} << "not a hash\n";
  CHECK_THROWS_WITH(kept_admin_token(dir.path),
                    Catch::Contains("admin-token rotate"));
}
