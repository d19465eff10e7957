// The command line's own parsing: sizes (CLI::AsSizeValue). A mistake in
// the flags exits 2 and touches nothing.
#include "server_process.hpp"
#include "../unit/scratch_dir.hpp"

#include <catch2/catch.hpp>

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
