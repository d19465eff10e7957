#include "persistence/tokens.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace downhill::persistence;

TEST_CASE("a token is hashed with SHA-256, marked as such") {
  // The FIPS 180-2 test vector for "abc".
  CHECK(hash_token("abc")
        == "sha256:"
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a token is looked up as SHA-256 first, then as the SHA-1 older "
          "versions stored") {
  auto forms = token_lookup_hashes("abc");
  REQUIRE(forms.size() == 2);
  CHECK(forms[0] == hash_token("abc"));
  // The FIPS 180-1 test vector for "abc", bare hex as before.
  CHECK(forms[1] == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("a token matches its own hash only") {
  auto stored = hash_token("the-right-token");
  CHECK(token_matches_hash("the-right-token", stored));
  CHECK_FALSE(token_matches_hash("the-wrong-token", stored));
  CHECK_FALSE(token_matches_hash("the-right-token", ""));
  CHECK_FALSE(token_matches_hash("the-right-token",
                                 token_lookup_hashes("the-right-token")[1]));
}

TEST_CASE("generated tokens are 64 hex digits and all different") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto token = generate_token();
    CHECK(std::regex_match(token, std::regex{"[0-9a-f]{64}"}));
    seen.insert(token);
  }
  CHECK(seen.size() == 100);
}
