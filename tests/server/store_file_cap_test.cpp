// The server-wide bound on open content stores (--max-store-files): many
// environments touched by many clients at once, and the descriptors the
// server holds on environment files never exceed the bound, while every
// request succeeds (a store in use is never closed under its request).
#include "http_client.hpp"
#include "server_process.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace downhill::testing;
namespace fs = std::filesystem;

namespace {

/// Descriptors of `pid` open on files under `dir` (the environments'
/// databases and their -wal and -shm files).
size_t fds_under(pid_t pid, const fs::path& dir) {
  auto prefix = fs::canonical(dir).string() + "/";
  size_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator i{"/proc/" + std::to_string(pid) + "/fd", ec};
       !ec && i != fs::directory_iterator{}; i.increment(ec)) {
    std::error_code link_ec;
    auto target = fs::read_symlink(i->path(), link_ec);
    if (!link_ec && target.string().rfind(prefix, 0) == 0)
      ++count;
  }
  return count;
}

std::string org_name(int i) {
  return "cap-" + std::to_string(i);
}

/// Creates `count` organizations and their users; returns the tokens.
std::vector<std::string> make_orgs(const server_process& server, int count) {
  http_client admin{server.port(), server.admin_token()};
  std::vector<std::string> tokens;
  for (int i = 0; i < count; ++i) {
    REQUIRE(admin.post("/api/v1/orgs", {{"name", org_name(i)}}).status == 201);
    auto user = admin.post("/api/v1/orgs/" + org_name(i) + "/users",
                           {{"name", "u"}});
    REQUIRE(user.status == 201);
    tokens.push_back(user.data()["token"].get<std::string>());
  }
  return tokens;
}

struct touch_result {
  size_t most_store_fds = 0;
  int failed = 0;
  std::string first_failure;
};

/// `threads` clients, each writing then reading an entry in `main` of
/// organization after organization, `rounds` times over all of them, while
/// the descriptors on environment files are sampled.
touch_result touch_all(const server_process& server,
                       const std::vector<std::string>& tokens, int threads,
                       int rounds) {
  touch_result result;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  std::atomic<bool> done{false};
  auto environments = server.var_dir() / "environments";
  std::thread sampler{[&] {
    while (!done) {
      auto now = fds_under(server.pid(), environments);
      std::lock_guard<std::mutex> lock{mutex};
      result.most_store_fds = std::max(result.most_store_fds, now);
    }
  }};
  auto total = tokens.size() * static_cast<size_t>(rounds);
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&] {
      for (size_t n = next++; n < total; n = next++) {
        auto i = static_cast<int>(n % tokens.size());
        http_client user{server.port(), tokens[static_cast<size_t>(i)]};
        auto entry = "/api/v1/orgs/" + org_name(i)
                     + "/environments/main/entries/e" + std::to_string(n);
        auto put = user.put(entry, {{"content_type", "article"},
                                    {"title", "Entry " + std::to_string(n)},
                                    {"body", "words to index"}});
        auto get = user.get(entry);
        if (put.status != 200 || get.status != 200) {
          std::lock_guard<std::mutex> lock{mutex};
          if (result.failed++ == 0)
            result.first_failure = std::to_string(put.status) + " " + put.body
                                   + " / " + std::to_string(get.status) + " "
                                   + get.body;
        }
      }
    });
  for (auto& c : clients)
    c.join();
  done = true;
  sampler.join();
  return result;
}

} // namespace

TEST_CASE("the open content stores stay within --max-store-files while "
          "many environments are used at once",
          "[server][footprint]") {
  // 3 stores (21 descriptors: 7 each, see content_store_pool.hpp) for 40
  // environments and 12 clients: most opens must close another
  // environment's idle store, and some wait for a store to come back.
  server_process server{{"--max-store-files", "21"}};
  auto tokens = make_orgs(server, 40);
  auto result = touch_all(server, tokens, 12, 3);
  INFO(result.first_failure);
  CHECK(result.failed == 0);
  CHECK(result.most_store_fds <= 21);
  // The sampler saw stores open at all (the bound was what held it down).
  CHECK(result.most_store_fds >= 6);
  // Everything written is there after the stores were closed and reopened.
  http_client user{server.port(), tokens[7]};
  auto list = user.get("/api/v1/orgs/" + org_name(7)
                       + "/environments/main/entries?limit=1000");
  REQUIRE(list.status == 200);
  CHECK(list.data()["entries"].size() == 3);
}

TEST_CASE("without a small bound, the same load keeps more stores open",
          "[server][footprint]") {
  // The counterpart of the test above, so that its bound is what it
  // measures: by default (1024 descriptors, 146 stores) 40 environments
  // touched once each all stay open.
  server_process server;
  auto tokens = make_orgs(server, 40);
  auto result = touch_all(server, tokens, 4, 1);
  CHECK(result.failed == 0);
  CHECK(fds_under(server.pid(), server.var_dir() / "environments") > 21);
}

TEST_CASE("a --max-store-files below one store's descriptors is refused",
          "[server][footprint]") {
  auto r = run_downhill({"serve", "--data-dir", "unused", "--max-store-files",
                         "6"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("--max-store-files") != std::string::npos);
}
