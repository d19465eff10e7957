// The check each database's statement table gets at compile time (a
// static_assert next to control_plane_sql, content_sql and index_sql): a
// table matches its enum's names only with one row per name, in order.
#include "persistence/sqlite.hpp"

#include <catch2/catch.hpp>

using downhill::persistence::named_sql;
using downhill::persistence::rows_match_names;

namespace {

#define DOWNHILL_EXAMPLE_STATEMENTS(X) X(first) X(second) X(third)

enum class example_sql : size_t {
  DOWNHILL_EXAMPLE_STATEMENTS(DOWNHILL_STATEMENT_ENUM_VALUE)
};

constexpr const char* example_names[] = {
  DOWNHILL_EXAMPLE_STATEMENTS(DOWNHILL_STATEMENT_NAME)
};

#undef DOWNHILL_EXAMPLE_STATEMENTS

constexpr named_sql in_order[] = {
  {"first", "SELECT 1", false},
  {"second", "SELECT 2", false},
  {"third", "SELECT 3", true},
};
constexpr named_sql swapped[] = {
  {"first", "SELECT 1", false},
  {"third", "SELECT 3", true},
  {"second", "SELECT 2", false},
};
constexpr named_sql one_missing[] = {
  {"first", "SELECT 1", false},
  {"second", "SELECT 2", false},
};
constexpr named_sql one_too_many[] = {
  {"first", "SELECT 1", false},
  {"second", "SELECT 2", false},
  {"third", "SELECT 3", true},
  {"fourth", "SELECT 4", false},
};
constexpr named_sql misspelt[] = {
  {"first", "SELECT 1", false},
  {"secnod", "SELECT 2", false},
  {"third", "SELECT 3", true},
};

// Where the real tables use it: at compile time.
static_assert(rows_match_names(in_order, example_names));
static_assert(!rows_match_names(swapped, example_names));

} // namespace

TEST_CASE("a statement table matches its enum's names only with one row per "
          "name, in order") {
  CHECK(static_cast<size_t>(example_sql::third) == 2);
  CHECK(std::string_view{example_names[1]} == "second");
  CHECK(rows_match_names(in_order, example_names));
  CHECK_FALSE(rows_match_names(swapped, example_names));
  CHECK_FALSE(rows_match_names(one_missing, example_names));
  CHECK_FALSE(rows_match_names(one_too_many, example_names));
  CHECK_FALSE(rows_match_names(misspelt, example_names));
}
