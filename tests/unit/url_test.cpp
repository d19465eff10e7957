#include "http/url.hpp"
#include "persistence/content_store.hpp"

#include <catch2/catch.hpp>

using namespace downhill;

TEST_CASE("a request target splits into path and decoded query") {
  std::string path;
  std::map<std::string, std::string> query;
  http::split_target("/a/b?q=hello%20world&limit=20&flag&x=a+b", path, query);
  CHECK(path == "/a/b");
  CHECK(query["q"] == "hello world");
  CHECK(query["limit"] == "20");
  CHECK(query.count("flag") == 1);
  CHECK(query["x"] == "a b");
}

TEST_CASE("malformed percent escapes are kept as they are") {
  CHECK(http::percent_decode("100%") == "100%");
  CHECK(http::percent_decode("%zz") == "%zz");
  CHECK(http::percent_decode("%4") == "%4");
  CHECK(http::percent_decode("%41") == "A");
}

TEST_CASE("free text becomes an FTS5 query that cannot be a syntax error") {
  CHECK(persistence::to_fts_query("hello world") == "\"hello\" \"world\"");
  CHECK(persistence::to_fts_query("a\"b") == "\"a\"\"b\"");
  CHECK(persistence::to_fts_query("   ") == "");
  CHECK(persistence::to_fts_query("NOT OR AND (") == "\"NOT\" \"OR\" \"AND\" \"(\"");
}
