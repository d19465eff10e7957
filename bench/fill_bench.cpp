// Fill speed (issue 10, target 6): how fast entries of 256 KiB can be
// written through the content API (PUT .../entries/{id}), next to writing
// the same bytes to a file on the same disk in the same run.
//
//   fill_bench [--mib 256] [--entry-kib 256] [--clients 4] [--bulk 16]
//              [--quick]
//
// The real `downhill` binary (tests/support/server_process) on a fresh data
// directory, one organization; `--clients` threads PUT distinct entries
// into its `main`, each body `--entry-kib` KiB of words (so the search
// index has real work). Then, into a second organization's `main`, the
// same entries again through POST .../entries/import, `--bulk` entries per
// request (0: no bulk phase). The baselines write the same bodies to a file in
// the data directory's file system: one fsync per entry, and one at the
// end. bench/README.md has the numbers. Exits 1 on any unexpected answer,
// 2 on bad usage.

#include "throughput/number_text.hpp"
#include "server_process.hpp"
#include "throughput/failure_log.hpp"
#include "throughput/parallel.hpp"
#include "throughput/process_cpu.hpp"

#include "client/http_client.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace downhill::bench;
using downhill::client::http_client;
using downhill::client::json;
using downhill::testing::server_process;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int mib = 256;
  int entry_kib = 256;
  int clients = 4;
  int bulk = 16;  // entries per import request; 0: PUT only
  bool quick = false;
};

using downhill::bench::fixed;

/// `bytes` of text: words of a small vocabulary and numbers, separated by
/// spaces, different for each `seed` (so each entry indexes differently).
std::string body_of(size_t bytes, uint32_t seed) {
  static const char* words[] = {"river", "stone", "cloud", "ember", "frost",
                                "meadow", "harbor", "lantern", "quartz",
                                "willow", "copper", "thistle"};
  std::mt19937 random{seed};
  std::string text;
  text.reserve(bytes + 16);
  while (text.size() < bytes) {
    auto n = random();
    text += words[n % 12];
    if (n % 5 == 0)
      text += std::to_string(n % 10000);
    text += ' ';
  }
  text.resize(bytes);
  return text;
}

void print_row(const std::string& label, const std::string& value) {
  constexpr size_t label_width = 30;
  auto padding = label.size() < label_width ? label_width - label.size() : 1;
  std::cout << "  " << label << std::string(padding, ' ') << value << "\n"
            << std::flush;
}

/// Writes every body to `file`, with an fsync after each one or only after
/// the last; the time in seconds.
double write_file(const std::string& file, const std::vector<std::string>& bodies,
                  size_t count, bool sync_each) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot create " + file);
  auto start = clock_type::now();
  for (size_t i = 0; i < count; ++i) {
    auto& body = bodies[i % bodies.size()];
    if (::write(fd, body.data(), body.size())
        != static_cast<ssize_t>(body.size()))
      throw std::runtime_error("short write to " + file);
    if (sync_each)
      ::fsync(fd);
  }
  ::fsync(fd);
  double s = std::chrono::duration<double>(clock_type::now() - start).count();
  ::close(fd);
  ::unlink(file.c_str());
  return s;
}

/// Everything written is there, and searchable: the last entry reads back
/// whole and a word of the bodies finds entries.
void check_filled(const http_client& client, const std::string& org,
                  size_t entries, size_t entry_bytes) {
  auto env = "/api/v1/orgs/" + org + "/environments/main";
  auto last = client.get(env + "/entries/e" + std::to_string(entries - 1));
  if (last.status != 200
      || last.data()["body"].get<std::string>().size() != entry_bytes)
    throw std::runtime_error("the last entry of " + org
                             + " did not read back whole");
  auto hits = client.get(env + "/search?q=lantern");
  if (hits.status != 200 || hits.data()["hits"].empty())
    throw std::runtime_error("search found none of " + org
                             + "'s filled entries");
}

} // namespace

int main(int argc, char** argv) try {
  options o;
  CLI::App app{"fill_bench: MiB/s of entries written through the content "
               "API, next to a file write (bench/README.md)"};
  app.add_option("--mib", o.mib, "MiB of entry bodies to write (default 256)")
    ->check(CLI::PositiveNumber);
  app.add_option("--entry-kib", o.entry_kib,
                 "KiB per entry body (default 256; the API takes at most "
                 "512)")
    ->check(CLI::Range(1, 512));
  app.add_option("--clients", o.clients, "writing threads (default 4)")
    ->check(CLI::Range(1, 64));
  app.add_option("--bulk", o.bulk,
                 "entries per import request (default 16; 0: PUT only)")
    ->check(CLI::Range(0, 10000));
  app.add_flag("--quick", o.quick, "smoke size: 16 MiB (--mib wins)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.quick && app.count("--mib") == 0)
    o.mib = 16;

  auto entry_bytes = static_cast<size_t>(o.entry_kib) * 1024;
  auto entries = std::max<size_t>(
    1, static_cast<size_t>(o.mib) * 1024 * 1024 / entry_bytes);
  // A few distinct bodies, reused round robin: making them is not measured.
  std::vector<std::string> bodies;
  for (uint32_t seed = 1; seed <= 8; ++seed)
    bodies.push_back(body_of(entry_bytes, seed));
  double total_mib = static_cast<double>(entries * entry_bytes) / (1024 * 1024);

  server_process server;
  http_client admin{server.port(), server.admin_token()};
  // One organization per path: each fills an empty `main`.
  auto user_of = [&](const std::string& org) {
    if (admin.post("/api/v1/orgs", {{"name", org}}).status != 201)
      throw std::runtime_error("cannot create the organization " + org);
    auto user = admin.post("/api/v1/orgs/" + org + "/users",
                           {{"name", "filler"}});
    if (user.status != 201)
      throw std::runtime_error("cannot create the user of " + org);
    return http_client{server.port(), user.data()["token"].get<std::string>()};
  };
  auto filler = user_of("fill");
  // The JSON bodies are made before the clock starts, too.
  std::vector<std::string> requests;
  for (auto& body : bodies)
    requests.push_back(json{{"content_type", "article"},
                            {"locale", "en"},
                            {"title", "A filled entry"},
                            {"body", body}}
                         .dump());

  std::cout << "fill_bench: " << entries << " entries of " << o.entry_kib
            << " KiB (" << fixed(total_mib, 0) << " MiB) by " << o.clients
            << " clients into one environment";
  if (o.bulk > 0)
    std::cout << ", by PUT and by imports of " << o.bulk << " entries";
  std::cout << "; data " << server.var_dir().string() << "\n" << std::flush;
  failure_log failures;
  cpu_window cpu{server.pid()};
  for_each_index(entries, static_cast<size_t>(o.clients), failures,
                 [&](size_t i) {
                   auto r = filler.send(
                     "PUT",
                     "/api/v1/orgs/fill/environments/main/entries/e"
                       + std::to_string(i),
                     requests[i % requests.size()]);
                   if (r.status != 200)
                     throw std::runtime_error("PUT e" + std::to_string(i)
                                              + ": " + std::to_string(r.status)
                                              + " " + r.body.substr(0, 300));
                 });
  auto api = cpu.read();
  if (failures.count() > 0) {
    std::cout << "FAILED: ";
    failures.print(std::cout);
    return 1;
  }
  check_filled(filler, "fill", entries, entry_bytes);

  std::optional<cpu_window::reading> bulk;
  if (o.bulk > 0) {
    auto importer = user_of("bulk");
    auto per_request = static_cast<size_t>(o.bulk);
    auto imports = (entries + per_request - 1) / per_request;
    cpu_window bulk_cpu{server.pid()};
    for_each_index(imports, static_cast<size_t>(o.clients), failures,
                   [&](size_t n) {
                     // Made here, not before the clock: a few ms per
                     // request, against the server's hundreds.
                     std::string ndjson;
                     for (auto i = n * per_request;
                          i < std::min(entries, (n + 1) * per_request); ++i) {
                       auto& fields = requests[i % requests.size()];
                       ndjson += "{\"id\":\"e" + std::to_string(i) + "\",";
                       ndjson.append(fields, 1);
                       ndjson += '\n';
                     }
                     auto r = importer.send(
                       "POST", "/api/v1/orgs/bulk/environments/main/entries/"
                               "import",
                       ndjson);
                     if (r.status != 200)
                       throw std::runtime_error(
                         "import " + std::to_string(n) + ": "
                         + std::to_string(r.status) + " "
                         + r.body.substr(0, 300));
                   });
    bulk = bulk_cpu.read();
    if (failures.count() > 0) {
      std::cout << "FAILED: ";
      failures.print(std::cout);
      return 1;
    }
    check_filled(importer, "bulk", entries, entry_bytes);
  }

  auto file = (server.data_dir() / "fill-baseline").string();
  double each_s = write_file(file, bodies, entries, true);
  double once_s = write_file(file, bodies, entries, false);

  auto print_path = [&](const std::string& label,
                        const cpu_window::reading& r) {
    print_row(label, fixed(total_mib / r.wall_s, 1) + " MiB/s ("
                       + fixed(r.wall_s, 2) + " s, "
                       + fixed(entries / r.wall_s, 1) + " entries/s; API at "
                       + fixed(100 * each_s / r.wall_s, 0)
                       + "% of fsync per entry, "
                       + fixed(100 * once_s / r.wall_s, 0)
                       + "% of one fsync)");
    print_row("  server CPU", fixed(r.server_cpu_ms / total_mib, 1)
                                + " ms per MiB ("
                                + fixed(r.server_ms_per_s() / 10, 0)
                                + "% of one core; bench "
                                + fixed(r.bench_ms_per_s() / 10, 0) + "%)");
  };
  print_path("through the API, PUT", api);
  if (bulk)
    print_path("through the API, import", *bulk);
  print_row("file, fsync per entry", fixed(total_mib / each_s, 1) + " MiB/s");
  print_row("file, one fsync", fixed(total_mib / once_s, 1) + " MiB/s");
  if (bulk)
    print_row("import / PUT", fixed(api.wall_s / bulk->wall_s, 2) + "x");
  if (int status = server.stop(); status != 0) {
    std::cout << "FAILED: the server exited " << status << " on SIGTERM\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "fill_bench: " << e.what() << "\n";
  return 1;
}
