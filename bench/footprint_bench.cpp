// Footprint of many idle organizations in one server (issue 10, target 5):
// what 10,000 organizations cost the server in memory, file descriptors,
// threads and disk, how long the server takes to start on their data, and
// what touching every one of them once does to memory and descriptors.
//
//   footprint_bench [--orgs 10000] [--empty-orgs 200] [--clients 16]
//                   [--serve-flag=--max-store-files=1024 ...] [--quick]
//
// The real `downhill` binary (tests/support/server_process) on a fresh data
// directory; everything through the API. Each organization gets `main`, a
// child made by a Create Environment job and a daily recurring Sync job
// main -> child; then `--empty-orgs` more get `main` only, to tell what an
// empty organization costs on disk. bench/README.md says what each number
// means. Exits 1 on any unexpected answer, 2 on bad usage.

#include "throughput/number_text.hpp"
#include "server_process.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/parallel.hpp"

#include "client/http_client.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

using namespace downhill::bench;
using downhill::client::http_client;
using downhill::client::json;
using downhill::testing::server_process;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct options {
  int orgs = 10000;
  int empty_orgs = 200;
  int clients = 16;
  std::vector<std::string> serve_flags;
  std::string keep_data;  // where to copy the data directory, if anywhere
  bool quick = false;
};

/// All admin requests share one fair-share key on the server (4 running,
/// 64 waiting, then 429): set-up stays below that.
constexpr int max_clients = 32;

constexpr auto run_deadline = std::chrono::seconds(120);

using downhill::bench::fixed;

std::string org_name(const char* prefix, size_t i) {
  char text[32];
  std::snprintf(text, sizeof text, "%s-%05zu", prefix, i);
  return text;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

void require_status(const downhill::client::response& r, int status,
                    const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(what + ": expected " + std::to_string(status)
                             + ", got " + std::to_string(r.status) + " "
                             + r.body);
}

/// One value ("VmRSS", "Threads") of /proc/PID/status, its number only.
long proc_status(pid_t pid, const std::string& field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::stol(line.substr(field.size() + 1));
  throw std::runtime_error("no " + field + " in /proc/" + std::to_string(pid)
                           + "/status");
}

/// Entries of /proc/PID/fd: the descriptors the process holds open.
size_t open_fds(pid_t pid) {
  size_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator i{"/proc/" + std::to_string(pid) + "/fd", ec};
       !ec && i != fs::directory_iterator{}; i.increment(ec))
    ++count;
  return count;
}

/// Bytes the files under `dir` take on disk (allocated blocks, as `du`).
uint64_t disk_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator i{dir, ec};
       !ec && i != fs::recursive_directory_iterator{}; i.increment(ec)) {
    struct stat st {};
    if (lstat(i->path().c_str(), &st) == 0)
      total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

std::string kib(double bytes) {
  return fixed(bytes / 1024.0, 1) + " KiB";
}

void print_row(const std::string& label, const std::string& value) {
  constexpr size_t label_width = 30;
  auto padding = label.size() < label_width ? label_width - label.size() : 1;
  std::cout << "  " << label << std::string(padding, ' ') << value << "\n"
            << std::flush;
}

void print_process(const std::string& when, pid_t pid, int orgs) {
  auto rss_kib = proc_status(pid, "VmRSS");
  auto fds = open_fds(pid);
  print_row("RSS " + when, fixed(rss_kib / 1024.0, 1) + " MiB ("
                             + kib(rss_kib * 1024.0 / orgs) + " per org)");
  print_row("open fds " + when, std::to_string(fds));
  print_row("threads " + when, std::to_string(proc_status(pid, "Threads")));
}

/// Waits for the run's end by polling it (a WebSocket per organization
/// would cost the server more than the set-up being measured).
void wait_for_run(const http_client& user, const std::string& org,
                  const std::string& run_id) {
  auto until = clock_type::now() + run_deadline;
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    auto r = user.get("/api/v1/orgs/" + org + "/runs/" + run_id);
    require_status(r, 200, org + ": get run " + run_id);
    auto status = r.data().value("status", "");
    if (status == "succeeded")
      return;
    if (status != "queued" && status != "running")
      throw std::runtime_error(org + ": run " + run_id + " ended " + status);
    if (clock_type::now() > until)
      throw std::runtime_error(org + ": run " + run_id + " did not end");
    std::this_thread::sleep_for(pause);  // polling with a deadline
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

/// An organization and its user; returns the user's token.
std::string create_org(const server_process& server, const std::string& org) {
  http_client admin{server.port(), server.admin_token()};
  require_status(admin.post("/api/v1/orgs", {{"name", org}}), 201,
                 org + ": create organization");
  auto user = admin.post("/api/v1/orgs/" + org + "/users", {{"name", "fp"}});
  require_status(user, 201, org + ": create user");
  return user.data()["token"].get<std::string>();
}

/// `main`, `child` from a Create Environment job, and a daily Sync job.
std::string set_up_full_org(const server_process& server,
                            const std::string& org) {
  auto token = create_org(server, org);
  http_client user{server.port(), token};
  auto jobs = "/api/v1/orgs/" + org + "/jobs";
  auto created = user.post(jobs, {{"name", "Create child"},
                                  {"type", "create_environment"},
                                  {"base_environment", "main"},
                                  {"new_environment", "child"},
                                  {"schedule", {{"kind", "now"}}}});
  require_status(created, 201, org + ": create child");
  wait_for_run(user, org, created.data()["run"]["id"].get<std::string>());
  require_status(user.post(jobs, {{"name", "Nightly sync"},
                                  {"type", "sync_environments"},
                                  {"base_environment", "main"},
                                  {"target_environment", "child"},
                                  {"schedule",
                                   {{"kind", "daily"}, {"at", "03:00"}}}}),
                 201, org + ": daily sync");
  return token;
}

/// Waits until /healthz answers 200 on `port`; false at the deadline.
bool wait_healthy(uint16_t port, std::chrono::seconds deadline) {
  http_client anyone{port};
  auto until = clock_type::now() + deadline;
  while (clock_type::now() < until) {
    try {
      if (anyone.get("/healthz").status == 200)
        return true;
    } catch (const std::exception&) {
      // not answering yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

/// The most descriptors the server held while `work` ran, sampled.
size_t max_fds_during(pid_t pid, const std::function<void()>& work) {
  std::atomic<bool> done{false};
  std::atomic<size_t> most{0};
  std::thread sampler{[&] {
    while (!done) {
      most = std::max(most.load(), open_fds(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }};
  try {
    work();
  } catch (...) {
    done = true;
    sampler.join();
    throw;
  }
  done = true;
  sampler.join();
  return most;
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  CLI::App app{"footprint_bench: memory, descriptors, disk and start-up of "
               "many idle organizations (bench/README.md)"};
  app.add_option("--orgs", o.orgs,
                 "organizations with main, a child and a daily sync "
                 "(default 10000)")
    ->check(CLI::PositiveNumber);
  app.add_option("--empty-orgs", o.empty_orgs,
                 "organizations with main only, for the disk of an empty "
                 "one (default 200)")
    ->check(CLI::PositiveNumber);
  app.add_option("--clients", o.clients,
                 "client threads during set-up and touch (default 16, at "
                 "most 32)")
    ->check(CLI::Range(1, max_clients));
  app.add_option("--serve-flag", o.serve_flags,
                 "a flag for `downhill serve`, e.g. "
                 "--serve-flag=--max-store-files=256 (repeatable)");
  app.add_option("--keep-data", o.keep_data,
                 "copy the data directory there once set up (to profile a "
                 "start-up on it)");
  app.add_flag("--quick", o.quick,
               "smoke sizes: 50 orgs, 10 empty ones (explicit options win)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick) {
    if (app.count("--orgs") == 0)
      o.orgs = 50;
    if (app.count("--empty-orgs") == 0)
      o.empty_orgs = 10;
  }

  failure_log failures;
  server_process server{o.serve_flags};
  std::cout << "footprint_bench: " << o.orgs << " orgs (main, child, daily "
            << "sync) + " << o.empty_orgs << " empty ones, "
            << o.clients << " clients; server pid " << server.pid()
            << ", data " << server.var_dir().string() << "\n"
            << std::flush;

  auto clients = static_cast<size_t>(o.clients);
  auto setup_start = clock_type::now();
  std::vector<std::string> tokens(static_cast<size_t>(o.orgs));
  for_each_index(tokens.size(), clients, failures, [&](size_t i) {
    tokens[i] = set_up_full_org(server, org_name("fp", i));
  });
  double setup_s = seconds_since(setup_start);
  if (failures.count() > 0) {
    std::cout << "set-up FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  auto full_disk = disk_bytes(server.var_dir());
  std::vector<std::string> empty_tokens(static_cast<size_t>(o.empty_orgs));
  for_each_index(empty_tokens.size(), clients, failures, [&](size_t i) {
    empty_tokens[i] = create_org(server, org_name("fp-empty", i));
  });
  auto all_disk = disk_bytes(server.var_dir());
  int all_orgs = o.orgs + o.empty_orgs;

  std::cout << "after set-up (server running)\n";
  print_row("set-up", std::to_string(o.orgs) + " orgs in "
                        + fixed(setup_s, 1) + " s");
  print_process("", server.pid(), all_orgs);
  print_row("disk per org", kib(static_cast<double>(full_disk) / o.orgs)
                              + " (main + child + job)");
  print_row("disk per empty org",
            kib(static_cast<double>(all_disk - full_disk) / o.empty_orgs)
              + " (main only)");

  if (int status = server.stop(); status != 0)
    failures.add("the server exited " + std::to_string(status)
                 + " on SIGTERM");
  auto stopped_disk = disk_bytes(server.var_dir());
  print_row("disk, server stopped", kib(static_cast<double>(stopped_disk)
                                        / all_orgs)
                                      + " per org (every file closed)");
  if (!o.keep_data.empty())
    fs::copy(server.var_dir(), o.keep_data, fs::copy_options::recursive);

  auto start = clock_type::now();
  server.start();
  bool healthy = wait_healthy(server.port(), std::chrono::seconds(120));
  double startup_s = seconds_since(start);
  if (!healthy)
    failures.add("/healthz did not answer within 120 s of the restart");
  // Organizations' actors may start at their first use: time one through
  // its actor (the environment list), the first request after /healthz.
  {
    http_client user{server.port(), tokens[0]};
    require_status(user.get("/api/v1/orgs/" + org_name("fp", 0)
                            + "/environments"),
                   200, "first request after the restart");
  }
  double first_answer_s = seconds_since(start);
  std::cout << "after a restart on the same data\n";
  print_row("start-up", fixed(startup_s * 1000, 0)
                          + " ms (fork to /healthz answering)");
  print_row("first org request", fixed(first_answer_s * 1000, 0)
                                   + " ms (fork to an org's environments)");
  print_process("", server.pid(), all_orgs);

  auto touch_start = clock_type::now();
  auto most_fds = max_fds_during(server.pid(), [&] {
    for_each_index(tokens.size() + empty_tokens.size(), clients, failures,
                   [&](size_t i) {
                     bool full = i < tokens.size();
                     auto& token = full ? tokens[i]
                                        : empty_tokens[i - tokens.size()];
                     auto org = full ? org_name("fp", i)
                                     : org_name("fp-empty", i - tokens.size());
                     http_client user{server.port(), token};
                     require_status(
                       user.get("/api/v1/orgs/" + org
                                + "/environments/main/entries?limit=1"),
                       200, org + ": list entries of main");
                   });
  });
  std::cout << "after reading main of every org once\n";
  print_row("touch", std::to_string(all_orgs) + " orgs in "
                       + fixed(seconds_since(touch_start), 1) + " s");
  print_row("open fds, most while touching", std::to_string(most_fds));
  print_process("", server.pid(), all_orgs);

  if (int status = server.stop(); status != 0)
    failures.add("the server exited " + std::to_string(status)
                 + " on SIGTERM after the touch");
  if (failures.count() > 0) {
    std::cout << "FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "footprint_bench: " << e.what() << "\n";
  return 1;
}
