// Soak: the real `downhill serve` under a mixed, hostile load for a bounded
// time, killed and restarted along the way, then checked for the promises
// of docs/guarantees.md. See docs/soak.md.
//
//   soak [--seconds N] [--orgs N] [--kills N] [--round-seconds N]
//        [--copy-rate-limit RATE] [--hostile-crash-limit N] [--seed N]
//        [--keep] [--binary PATH]
//
// Exits 0 when no invariant was violated, 1 otherwise (2: bad usage).

#include "soak/api_caller.hpp"
#include "soak/event_watchers.hpp"
#include "soak/final_checks.hpp"
#include "soak/hostile_requests.hpp"
#include "soak/memory_trend.hpp"
#include "soak/org_workload.hpp"
#include "soak/server_supervisor.hpp"
#include "soak/tally.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifndef DOWNHILL_BINARY
#  error "DOWNHILL_BINARY must name the downhill executable"
#endif

namespace fs = std::filesystem;
using namespace downhill::soak;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct options {
  int seconds = 120;
  int orgs = 6;
  int kills = -1;  // default: one every ~30 s, at least one
  int round_seconds = 5;
  std::string copy_rate_limit = "4M";
  int hostile_crash_limit = 2;
  unsigned seed = 20240611;
  bool keep = false;
  bool judge_memory = true;  // --no-memory-trend: sample only
  std::string binary = DOWNHILL_BINARY;
};

void usage() {
  std::cerr
    << "usage: soak [--seconds N] [--orgs N] [--kills N] [--round-seconds N]\n"
       "            [--copy-rate-limit RATE] [--hostile-crash-limit N]\n"
       "            [--seed N] [--keep] [--binary PATH] [--no-memory-trend]\n"
       "  --seconds N            load phase length (default 120)\n"
       "  --orgs N               organizations (default 6)\n"
       "  --kills N              SIGKILLs spread over the load (default: one\n"
       "                         per 30 s, at least 1; 0: none)\n"
       "  --round-seconds N      memory sample period (default 5)\n"
       "  --copy-rate-limit R    passed to downhill serve (default 4M)\n"
       "  --hostile-crash-limit  a hostile request that killed the server N\n"
       "                         times is not sent again (default 2)\n"
       "  --no-memory-trend      sample RSS but do not judge it (sanitizer\n"
       "                         builds: ASan's quarantine holds freed memory)\n"
       "  --keep                 keep the data directory and server logs\n"
       "                         (always kept when a violation was found)\n";
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--seconds")
      o.seconds = std::stoi(value());
    else if (a == "--orgs")
      o.orgs = std::stoi(value());
    else if (a == "--kills")
      o.kills = std::stoi(value());
    else if (a == "--round-seconds")
      o.round_seconds = std::stoi(value());
    else if (a == "--copy-rate-limit")
      o.copy_rate_limit = value();
    else if (a == "--hostile-crash-limit")
      o.hostile_crash_limit = std::stoi(value());
    else if (a == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--binary")
      o.binary = value();
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--no-memory-trend")
      o.judge_memory = false;
    else
      return false;
  }
  if (o.kills < 0)
    o.kills = std::max(1, o.seconds / 30 - 1);
  // Two orgs at least: one's token is the "wrong organization's token".
  return o.seconds > 0 && o.orgs >= 2 && o.round_seconds > 0
         && o.hostile_crash_limit > 0;
}

fs::path fresh_work_dir() {
  std::string pattern = (fs::temp_directory_path() / "downhill-soak-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return pattern;
}

/// Runs `body` on a thread; an exception escaping it is a soak failure
/// reported as a violation (a soak that silently lost a thread would
/// under-test and still say "0 violations").
std::thread guarded(tally& counts, std::string name, std::function<void()> body) {
  return std::thread([&counts, name = std::move(name), body = std::move(body)] {
    try {
      body();
    } catch (const std::exception& e) {
      counts.violation("soak thread \"" + name + "\" stopped: " + e.what());
    }
  });
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  try {
    if (!parse(argc, argv, o)) {
      usage();
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    usage();
    return 2;
  }

  tally counts;
  auto work_dir = fresh_work_dir();
  std::cerr << "soak: " << o.seconds << " s, " << o.orgs << " orgs, "
            << o.kills << " kills; data and server logs in " << work_dir.string()
            << "\n";
  server_supervisor server{o.binary, work_dir, "soak-admin-token-of-at-least-32-characters",
                           {"--copy-rate-limit", o.copy_rate_limit}};
  api_caller api{server, counts};
  memory_trend memory;
  server.start();

  std::vector<std::unique_ptr<org_workload>> orgs;
  for (int i = 0; i < o.orgs; ++i) {
    orgs.push_back(std::make_unique<org_workload>(api, i, o.seed + 17 * i));
    // Intervals of 1 and 2 seconds, alternating.
    orgs.back()->set_up(1 + i % 2);
  }
  std::cerr << "soak: set-up done in " << static_cast<int>(counts.elapsed())
            << " s; load starts\n";

  // --- The load, with faults -------------------------------------------------
  std::atomic<bool> stop{false};
  hostile_requests hostile{api, *orgs[0], *orgs[1], o.hostile_crash_limit,
                           o.seed + 1};
  event_watchers watchers{api, orgs, o.seed + 2};
  std::vector<std::thread> threads;
  for (auto& org : orgs)
    threads.push_back(guarded(counts, "org " + org->org(),
                              [&org, &stop] { org->run(stop); }));
  threads.push_back(guarded(counts, "event watchers", [&] { watchers.run(stop); }));
  threads.push_back(guarded(counts, "hostile requests", [&] { hostile.run(stop); }));

  bool server_lost = false;  // it would not start again: stop the soak
  auto restart = [&](const std::string& why) {
    try {
      server.start();
    } catch (const std::exception& e) {
      counts.violation("the server did not start again after " + why + ": "
                       + e.what());
      server_lost = true;
    }
  };
  auto look_for_unexpected_death = [&] {
    if (auto how = server.unexpected_exit()) {
      counts.violation("the server died by itself (" + *how + ", incarnation "
                       + std::to_string(server.incarnation())
                       + "); hostile requests just before: "
                       + hostile.blame_for_death() + "; its last output:\n"
                       + server.log_tail(6));
      restart("dying by itself");
    }
  };

  auto start = steady::now();
  auto end = start + std::chrono::seconds(o.seconds);
  int kills_done = 0;
  int round = 0;
  auto next_round = start + std::chrono::seconds(o.round_seconds);
  while (steady::now() < end && !server_lost) {
    look_for_unexpected_death();
    auto kill_at = start + std::chrono::seconds(o.seconds) * (kills_done + 1)
                             / (o.kills + 1);
    if (kills_done < o.kills && steady::now() >= kill_at && !server_lost) {
      server.kill_hard();
      counts.fault("SIGKILLs of the server");
      ++kills_done;
      restart("a SIGKILL");
    }
    if (steady::now() >= next_round) {
      ++round;
      auto rss = server.rss_kib();
      memory.sample(round, server.incarnation(), counts.elapsed(), rss);
      std::fprintf(stderr, "soak: [%6.1fs] round %d: %lld requests, RSS %.1f MiB, "
                           "%d kills, %lld violations\n",
                   counts.elapsed(), round,
                   static_cast<long long>(counts.requests_so_far()),
                   static_cast<double>(rss) / 1024.0, kills_done,
                   static_cast<long long>(counts.violation_count()));
      next_round += std::chrono::seconds(o.round_seconds);
    }
    // The conductor's polling period: how soon a death or a due kill is
    // noticed.
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  for (auto& t : threads)
    t.join();
  look_for_unexpected_death();

  // --- Quiesce and check -----------------------------------------------------
  if (!server_lost) {
    std::cerr << "soak: load stopped; checking\n";
    final_checks checks{api, orgs};
    try {
      for (auto& org : orgs)
        org->quiesce();
      checks.runs_end(60s, "after the load stopped");
      checks.stores_consistent("after the load");
      checks.final_syncs();
      // The final restart is graceful, so recovery runs on a data
      // directory that a clean shutdown left, after all the kills before.
      auto how = server.stop_gracefully();
      counts.checked("SIGTERM stops the server with exit 0");
      if (how != "exit 0")
        counts.violation("SIGTERM: the server ended with " + how
                         + "; its last output:\n" + server.log_tail(6));
      server.start();
      checks.runs_end(30s, "after the final restart");
      checks.environments_settled();
      checks.targets_equal_bases();
      checks.stores_consistent("after the final restart");
      checks.log_counts();
      checks.no_leftover_generations();
      checks.recurring_jobs_fired();
      look_for_unexpected_death();
    } catch (const std::exception& e) {
      counts.violation(std::string{"the final checks could not finish: "} + e.what());
    }
  }
  if (o.judge_memory)
    memory.judge(counts);
  auto how = server.stop_gracefully();
  if (how != "exit 0" && how != "not running")
    counts.violation("the last SIGTERM: the server ended with " + how);

  std::cout << "soak: " << o.seconds << " s of load, " << o.orgs << " orgs, seed "
            << o.seed << "\n"
            << memory.series() << counts.report();
  auto retired = hostile.retired();
  for (auto& name : retired)
    std::cout << "  hostile request retired after killing the server: " << name << "\n";
  bool ok = counts.violation_count() == 0;
  if (ok && !o.keep) {
    std::error_code ignored;
    fs::remove_all(work_dir, ignored);
  } else {
    std::cout << "data directory and server logs kept in " << work_dir.string() << "\n";
  }
  std::cout << (ok ? "soak: OK\n" : "soak: FAILED\n");
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "soak: " << e.what() << "\n";
  return 1;
}
