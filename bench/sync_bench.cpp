// Sync of a big base environment: does memory stay bounded whatever the size
// of the data, and does progress rise steadily from 0 to 100?
//
//   sync_bench [SIZE_MIB] [--quick] [--csv FILE]
//
// Fills `main` with about SIZE_MIB MiB (default 1024; --quick: 64) of entry
// bodies, creates `staging` from it, changes one entry of `main` and syncs
// main -> staging while polling the run and sampling the server's memory.
// The sync's time is put next to baselines measured in the same run on the
// same file: `sqlite3 content.db ".backup ..."` and `cp content.db ...`.

#include "org_fixture.hpp"
#include "store_inspector.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace downhill::testing;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr double mib = 1024.0 * 1024.0;
constexpr double gib = mib * 1024.0;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

int64_t ms_since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           clock_type::now() - start)
    .count();
}

std::string fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

// ---------------------------------------------------------------------------
// The server process: its pid (found through /proc) and its memory.

/// The pid of the `downhill serve` whose command line names `data_dir`.
pid_t find_server_pid(const fs::path& data_dir) {
  auto needle = (data_dir / "var").string();
  for (auto& entry : fs::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.empty()
        || !std::all_of(name.begin(), name.end(),
                        [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid())
      continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    // Arguments are NUL-separated: look for "serve" and the data dir as
    // whole arguments.
    std::vector<std::string> args;
    std::string arg;
    for (char c : cmdline) {
      if (c == '\0') {
        args.push_back(arg);
        arg.clear();
      } else {
        arg += c;
      }
    }
    bool serve = std::find(args.begin(), args.end(), "serve") != args.end();
    bool ours = std::find(args.begin(), args.end(), needle) != args.end();
    if (serve && ours)
      return pid;
  }
  throw std::runtime_error("no server process for " + needle);
}

struct memory {
  int64_t rss_kib = 0;   // VmRSS
  int64_t hwm_kib = 0;   // VmHWM: peak RSS since start (or last reset)
  int64_t anon_kib = 0;  // RssAnon: heap, stacks
  int64_t file_kib = 0;  // RssFile: mapped files (binary, libraries)
};

memory read_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in)
    throw std::runtime_error("cannot read /proc/" + std::to_string(pid)
                             + "/status");
  memory m;
  std::string line;
  auto value = [&](const char* key, int64_t& out) {
    auto n = std::char_traits<char>::length(key);
    if (line.compare(0, n, key) == 0)
      out = std::stoll(line.substr(n));
  };
  while (std::getline(in, line)) {
    value("VmRSS:", m.rss_kib);
    value("VmHWM:", m.hwm_kib);
    value("RssAnon:", m.anon_kib);
    value("RssFile:", m.file_kib);
  }
  return m;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0); false if not allowed.
bool reset_peak(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  if (!out)
    return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::string in_mib(int64_t kib) {
  return fixed(static_cast<double>(kib) / 1024.0, 1) + " MiB";
}

// ---------------------------------------------------------------------------
// Entry bodies: words from a fixed vocabulary with a skewed (Zipf-like)
// distribution, so the full-text index looks like one over real text.

class text_generator {
public:
  text_generator() : rng_(20240611) {
    static const char* syllables[]
      = {"ka", "lo", "mi", "ren", "sta", "vo", "tri", "el", "an", "dor",
         "que", "zu", "pha", "lin", "mor", "ne", "sil", "ta", "gra", "ul",
         "bri", "co", "dev", "fa", "ho", "ix", "jo", "wen", "yar", "sen"};
    constexpr size_t n_syllables = sizeof syllables / sizeof syllables[0];
    std::uniform_int_distribution<size_t> pick(0, n_syllables - 1);
    std::uniform_int_distribution<int> length(1, 4);
    for (int i = 0; i < 30000; ++i) {
      std::string word;
      for (int s = length(rng_); s > 0; --s)
        word += syllables[pick(rng_)];
      vocabulary_.push_back(std::move(word));
    }
  }

  /// About `bytes` of text that starts with `first_word`.
  std::string body(const std::string& first_word, size_t bytes) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::string text = first_word;
    text.reserve(bytes + 64);
    int in_sentence = 0;
    while (text.size() < bytes) {
      // u^3 favours the first words of the vocabulary: a few very common
      // words, a long tail of rare ones.
      auto r = u(rng_);
      auto i = static_cast<size_t>(r * r * r
                                   * static_cast<double>(vocabulary_.size()));
      text += ' ';
      text += vocabulary_[std::min(i, vocabulary_.size() - 1)];
      if (++in_sentence > 12 && u(rng_) < 0.15) {
        text += u(rng_) < 0.1 ? ".\n" : ".";
        in_sentence = 0;
      }
    }
    return text;
  }

private:
  std::mt19937_64 rng_;
  std::vector<std::string> vocabulary_;
};

// ---------------------------------------------------------------------------
// Progress samples of the running sync.

struct sample {
  int64_t ms = 0;  // since the sync was submitted
  std::string status;
  std::string db_status, db_phase;
  int db_percent = 0;
  std::string ix_status, ix_phase;
  int ix_percent = 0;
  int64_t rss_kib = 0;
};

std::string phase_of(const json& task) {
  return task["phase"].is_null() ? "" : task["phase"].get<std::string>();
}

/// A task's position on one scale: the database task 0..100 (clone), the
/// index task 0..200 (snapshot 0..100, then restore 100..200).
int position(const std::string& phase, int percent) {
  if (phase == "restore")
    return 100 + percent;
  return percent;
}

struct task_analysis {
  bool monotonic = true;
  std::string first_violation;
  int max_jump = 0;           // in percent of a phase
  int64_t max_jump_at = 0;
  int distinct = 0;           // distinct positions seen
  int64_t started_ms = -1;    // first sample with progress > 0
  int64_t done_ms = -1;       // first sample where the task is no longer running
  int64_t longest_stall = 0;  // while the task runs
  int64_t longest_stall_at = 0;
  double max_deviation = 0;   // from a straight line, in points of the scale
};

task_analysis analyse(const std::vector<sample>& samples, bool index_task) {
  task_analysis a;
  int last_pos = -1;
  int64_t last_change = -1;
  std::vector<std::pair<int64_t, int>> points;  // (ms, position) on changes
  for (auto& s : samples) {
    auto& status = index_task ? s.ix_status : s.db_status;
    auto& phase = index_task ? s.ix_phase : s.db_phase;
    int percent = index_task ? s.ix_percent : s.db_percent;
    if (s.status != "running" && s.status != "queued") {
      // The run ended: a task still "running" in the previous sample ended
      // between the two polls.
      if (a.done_ms < 0)
        a.done_ms = s.ms;
      break;
    }
    if (s.status == "queued")
      continue;
    int pos = position(phase, percent);
    if (last_pos < 0) {
      last_pos = pos;
      last_change = s.ms;
      points.emplace_back(s.ms, pos);
      ++a.distinct;
      continue;
    }
    if (pos < last_pos && a.monotonic) {
      a.monotonic = false;
      a.first_violation = "at " + std::to_string(s.ms) + " ms: "
                          + std::to_string(last_pos) + " -> "
                          + std::to_string(pos);
    }
    if (pos != last_pos) {
      // A stall: the time between two visible changes. The time after the
      // last change (until the run ends) is the run's tail, not a stall.
      if (s.ms - last_change > a.longest_stall) {
        a.longest_stall = s.ms - last_change;
        a.longest_stall_at = last_change;
      }
      // A phase change counts the rest of the old phase and the start of the
      // new one: both are what a user saw skipped.
      int jump = pos - last_pos;
      if (jump > a.max_jump) {
        a.max_jump = jump;
        a.max_jump_at = s.ms;
      }
      if (a.started_ms < 0 && pos > 0)
        a.started_ms = s.ms;
      last_pos = pos;
      last_change = s.ms;
      points.emplace_back(s.ms, pos);
      ++a.distinct;
    }
    if (status != "running" && a.done_ms < 0)
      a.done_ms = s.ms;
  }
  // Straight line from the first sample to the point the task reached its
  // end of scale.
  const int full = index_task ? 200 : 100;
  if (points.size() >= 2) {
    auto t0 = static_cast<double>(points.front().first);
    int64_t end_ms = points.back().first;
    for (auto& p : points)
      if (p.second >= full) {
        end_ms = p.first;
        break;
      }
    auto span = std::max(1.0, static_cast<double>(end_ms) - t0);
    for (auto& p : points) {
      if (p.first > end_ms)
        break;
      double expected = (static_cast<double>(p.first) - t0) / span * full;
      a.max_deviation
        = std::max(a.max_deviation, std::fabs(expected - p.second));
    }
  }
  return a;
}

/// Times at which a task first reached given positions (for the timeline).
std::string timeline(const std::vector<sample>& samples, bool index_task,
                     std::vector<std::pair<std::string, int>> marks) {
  std::ostringstream out;
  for (auto& [label, target] : marks) {
    int64_t at = -1;
    for (auto& s : samples) {
      int pos = index_task ? position(s.ix_phase, s.ix_percent)
                           : position(s.db_phase, s.db_percent);
      if (pos >= target) {
        at = s.ms;
        break;
      }
    }
    out << " " << label << "@"
        << (at < 0 ? std::string{"-"} : fixed(at / 1000.0, 1) + "s");
  }
  return out.str();
}

// ---------------------------------------------------------------------------

int64_t file_bytes(const fs::path& file) {
  std::error_code ec;
  auto n = fs::file_size(file, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

std::string quote(const fs::path& p) {
  return "'" + p.string() + "'";
}

/// Runs a shell command and returns its wall time in seconds.
double timed_command(const std::string& command) {
  auto start = clock_type::now();
  int rc = std::system(command.c_str());
  double seconds = seconds_since(start);
  if (rc != 0)
    throw std::runtime_error("command failed (" + std::to_string(rc)
                             + "): " + command);
  return seconds;
}

/// Copies both files into a scratch directory and fsyncs the copies: the
/// durable physical limit of a sync of them. Returns {content.db seconds,
/// index.db seconds}, each with its own copy and fsync.
std::pair<double, double> copy_and_fsync(const fs::path& content_db,
                                         const fs::path& index_db) {
  std::string tmp = (fs::temp_directory_path() / "sync-bench-cp-XXXXXX")
                      .string();
  if (mkdtemp(tmp.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  fs::path dir = tmp;
  std::pair<double, double> seconds;
  try {
    auto one = [&](const fs::path& file) {
      auto copy = dir / file.filename();
      return timed_command("cp " + quote(file) + " " + quote(copy)
                           + " && sync " + quote(copy) + " " + quote(dir));
    };
    seconds = {one(content_db), one(index_db)};
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return seconds;
}

/// Milliseconds of the day of an RFC 3339 time with milliseconds
/// ("2026-11-26T04:39:52.462Z"); runs here do not cross midnight twice.
int64_t ms_of_day(const std::string& at) {
  auto t = at.find('T');
  if (t == std::string::npos || at.size() < t + 13)
    return -1;
  auto hours = std::stoi(at.substr(t + 1, 2));
  auto minutes = std::stoi(at.substr(t + 4, 2));
  auto seconds = std::stoi(at.substr(t + 7, 2));
  auto millis = std::stoi(at.substr(t + 10, 3));
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/// From a task's first log line to its last, by the server's clock (each
/// task logs its 0% first and its completion last): the task's own time.
double task_seconds(const std::vector<json>& logs, const std::string& task) {
  int64_t first = -1, last = -1;
  for (auto& line : logs) {
    if (line.value("task", "") != task)
      continue;
    auto at = ms_of_day(line.value("at", ""));
    if (at < 0)
      continue;
    if (first < 0)
      first = at;
    last = at;
  }
  if (first < 0)
    return -1;
  if (last < first)
    last += 24 * 3600 * 1000;
  return (last - first) / 1000.0;
}

json wait_run(org_fixture& f, const response& submitted, const char* what) {
  if (submitted.status != 201)
    throw std::runtime_error(std::string{what} + ": "
                             + std::to_string(submitted.status) + " "
                             + submitted.body);
  return f.wait_for_run(submitted.data()["run"]["id"],
                        std::chrono::seconds(3600));
}

void usage() {
  std::cerr << "usage: sync_bench [SIZE_MIB] [--quick] [--csv FILE]\n"
               "  SIZE_MIB  MiB of entry bodies in main (default 1024)\n"
               "  --quick   64 MiB smoke run\n"
               "  --csv     write every progress sample to FILE\n";
}

} // namespace

int main(int argc, char** argv) try {
  int64_t size_mib = 1024;
  std::string csv_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      size_mib = 64;
    } else if (a == "--csv" && i + 1 < argc) {
      csv_file = argv[++i];
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty()
               && std::all_of(a.begin(), a.end(),
                              [](char c) { return c >= '0' && c <= '9'; })) {
      size_mib = std::stoll(a);
    } else {
      usage();
      return 2;
    }
  }
  if (size_mib <= 0) {
    usage();
    return 2;
  }

  constexpr size_t body_bytes = 256 * 1024;
  const int64_t entry_count
    = std::max<int64_t>(1, size_mib * 1024 * 1024 / body_bytes);

  org_fixture f;
  pid_t pid = find_server_pid(f.server.data_dir());
  // Idle: after start-up and the org/user creation, before any content.
  auto idle = read_memory(pid);
  std::cerr << "sync_bench: server pid " << pid << ", data dir "
            << f.server.data_dir().string() << "\n";

  // --- Fill main -----------------------------------------------------------
  text_generator words;
  auto fill_start = clock_type::now();
  int64_t body_total = 0;
  int next_report = 10;
  for (int64_t i = 0; i < entry_count; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "e-%06lld", static_cast<long long>(i));
    auto body = words.body("TOKEN" + std::to_string(i), body_bytes);
    body_total += static_cast<int64_t>(body.size());
    auto r = f.alice.put(f.env_path("main") + "/entries/" + id,
                         {{"content_type", "article"},
                          {"locale", "en"},
                          {"title", "Entry " + std::to_string(i)},
                          {"body", body}});
    if (r.status != 200 && r.status != 201)
      throw std::runtime_error("put entry " + std::string{id} + ": "
                               + std::to_string(r.status) + " " + r.body);
    if ((i + 1) * 100 / entry_count >= next_report) {
      std::cerr << "  fill " << next_report << "% (" << (i + 1)
                << " entries, " << fixed(seconds_since(fill_start), 1)
                << " s)\n";
      next_report += 10;
    }
  }
  double fill_seconds = seconds_since(fill_start);
  auto after_fill = read_memory(pid);

  // --- Create staging from main -------------------------------------------
  std::cerr << "  creating staging\n";
  auto create_start = clock_type::now();
  auto created = wait_run(f, f.submit_create("main", "staging"), "create");
  double create_seconds = seconds_since(create_start);
  if (created["status"] != "succeeded")
    throw std::runtime_error("create staging ended " + created.dump());

  // One change in main, so the sync has something to carry.
  f.put_entry("main", "e-000000", "Changed before the sync",
              "TOKENCHANGED " + words.body("changed", 4096));

  store_inspector inspector{f.server.data_dir()};
  auto main_dir = inspector.environment_dir(f.org, "main");
  auto content_db = main_dir / "content.db";
  auto index_db = main_dir / "index.db";
  auto content_bytes = file_bytes(content_db);
  auto index_bytes = file_bytes(index_db);
  auto wal_bytes = file_bytes(main_dir / "content.db-wal")
                   + file_bytes(main_dir / "index.db-wal");

  // The durable limit, before the sync (the files are in the page cache
  // after the fill, as they are for the sync).
  auto copy_before = copy_and_fsync(content_db, index_db);

  // --- Sync main -> staging, sampled ---------------------------------------
  auto before_sync = read_memory(pid);
  bool peak_reset = reset_peak(pid);
  auto at_reset = read_memory(pid);

  std::atomic<bool> sampling{true};
  std::atomic<int64_t> max_rss_kib{at_reset.rss_kib};
  std::atomic<int64_t> current_rss_kib{at_reset.rss_kib};
  std::thread sampler([&] {
    while (sampling.load()) {
      try {
        auto m = read_memory(pid);
        current_rss_kib = m.rss_kib;
        if (m.rss_kib > max_rss_kib)
          max_rss_kib = m.rss_kib;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  std::vector<sample> samples;
  auto sync_start = clock_type::now();
  auto submitted = f.submit_sync("main", "staging");
  if (submitted.status != 201) {
    sampling = false;
    sampler.join();
    throw std::runtime_error("submit sync: " + std::to_string(submitted.status)
                             + " " + submitted.body);
  }
  std::string run_id = submitted.data()["run"]["id"];
  json final_run;
  auto next_poll = clock_type::now();
  for (;;) {
    auto run = f.get_run(run_id);
    sample s;
    s.ms = ms_since(sync_start);
    s.status = run["status"];
    auto& t0 = run["tasks"][0];
    auto& t1 = run["tasks"][1];
    s.db_status = t0["status"];
    s.db_phase = phase_of(t0);
    s.db_percent = t0["percent"];
    s.ix_status = t1["status"];
    s.ix_phase = phase_of(t1);
    s.ix_percent = t1["percent"];
    s.rss_kib = current_rss_kib;
    samples.push_back(s);
    if (s.status != "queued" && s.status != "running") {
      final_run = run;
      break;
    }
    if (s.ms > 3600 * 1000)
      throw std::runtime_error("sync did not end within an hour");
    next_poll += std::chrono::milliseconds(50);
    auto now = clock_type::now();
    if (next_poll < now)
      next_poll = now;  // a slow poll: no catch-up burst
    std::this_thread::sleep_until(next_poll);
  }
  double sync_seconds = seconds_since(sync_start);
  sampling = false;
  sampler.join();
  auto after_sync = read_memory(pid);
  // The sync carried main's change into staging.
  auto changed = f.alice.get(f.env_path("staging") + "/entries/e-000000");
  bool carried = changed.status == 200
                 && changed.data().value("title", "") == "Changed before the sync";

  // --- Baselines on the same file ------------------------------------------
  auto copy_after = copy_and_fsync(content_db, index_db);
  auto run_logs = f.all_logs(run_id);
  double database_task_seconds = task_seconds(run_logs, "Sync Database Data");
  double index_task_seconds = task_seconds(run_logs, "Sync Indexed Data");
  // The limit: the faster of the two measurements, per file.
  double copy_content_seconds = std::min(copy_before.first, copy_after.first);
  double copy_index_seconds = std::min(copy_before.second, copy_after.second);
  double copy_both_seconds = copy_content_seconds + copy_index_seconds;
  std::string tmp = (fs::temp_directory_path() / "sync-bench-XXXXXX").string();
  if (mkdtemp(tmp.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  fs::path baseline_dir = tmp;
  double backup_seconds = 0, cp_seconds = 0, index_backup_seconds = 0;
  try {
    backup_seconds
      = timed_command("sqlite3 " + quote(content_db) + " \".backup "
                      + quote(baseline_dir / "content-backup.db") + "\"");
    cp_seconds = timed_command("cp " + quote(content_db) + " "
                               + quote(baseline_dir / "content-cp.db"));
    fs::remove(baseline_dir / "content-backup.db");
    fs::remove(baseline_dir / "content-cp.db");
    index_backup_seconds
      = timed_command("sqlite3 " + quote(index_db) + " \".backup "
                      + quote(baseline_dir / "index-backup.db") + "\"");
  } catch (...) {
    fs::remove_all(baseline_dir);
    throw;
  }
  fs::remove_all(baseline_dir);

  // --- Analysis --------------------------------------------------------------
  auto db = analyse(samples, false);
  auto ix = analyse(samples, true);
  const auto& tasks = final_run["tasks"];
  bool reached_100 = tasks[0]["percent"] == 100 && tasks[1]["percent"] == 100
                     && phase_of(tasks[1]) == "restore";
  // Stalls: the longest time between two visible progress changes (either
  // task) while the run runs. The tail: from the last visible change to the
  // run's end, i.e. the switch (the target's own kinds, WAL mode,
  // checkpoint, fsync, commit), during which the API shows the progress of
  // its last flush.
  int64_t longest_stall = 0, longest_stall_at = 0;
  int64_t last_change = -1;
  std::string frozen_at;
  {
    std::pair<int, int> last{-1, -1};
    for (auto& s : samples) {
      if (s.status != "running")
        continue;
      std::pair<int, int> now{position(s.db_phase, s.db_percent),
                              position(s.ix_phase, s.ix_percent)};
      if (now != last) {
        if (last_change >= 0 && s.ms - last_change > longest_stall) {
          longest_stall = s.ms - last_change;
          longest_stall_at = last_change;
        }
        last = now;
        last_change = s.ms;
        frozen_at = "database " + std::to_string(s.db_percent) + "% "
                    + s.db_status + ", index " + s.ix_phase + " "
                    + std::to_string(s.ix_percent) + "% " + s.ix_status;
      }
    }
  }
  int64_t tail_ms = last_change < 0 ? -1 : samples.back().ms - last_change;
  int64_t poll_gap = 0;
  for (size_t i = 1; i < samples.size(); ++i)
    poll_gap = std::max(poll_gap, samples[i].ms - samples[i - 1].ms);

  if (!csv_file.empty()) {
    std::ofstream csv(csv_file);
    csv << "ms,status,db_status,db_phase,db_percent,ix_status,ix_phase,"
           "ix_percent,rss_kib\n";
    for (auto& s : samples)
      csv << s.ms << ',' << s.status << ',' << s.db_status << ','
          << s.db_phase << ',' << s.db_percent << ',' << s.ix_status << ','
          << s.ix_phase << ',' << s.ix_percent << ',' << s.rss_kib << '\n';
  }

  // --- Report ----------------------------------------------------------------
  auto secs = [](int64_t ms) {
    return ms < 0 ? std::string{"?"} : fixed(ms / 1000.0, 1) + " s";
  };
  int64_t sync_peak_kib = peak_reset ? after_sync.hwm_kib : max_rss_kib.load();
  std::cout
    << "sync_bench: " << size_mib << " MiB of entry bodies\n"
    << "size: content.db " << fixed(content_bytes / gib, 2) << " GiB, index.db "
    << fixed(index_bytes / gib, 2) << " GiB (+ WAL "
    << fixed(wal_bytes / mib, 1) << " MiB); entry bodies "
    << fixed(body_total / gib, 2) << " GiB\n"
    << "fill: " << entry_count << " entries of " << body_bytes / 1024
    << " KiB in " << fixed(fill_seconds, 1) << " s ("
    << fixed(body_total / mib / fill_seconds, 1)
    << " MiB/s); create staging " << fixed(create_seconds, 1) << " s\n"
    << "sync: " << fixed(sync_seconds, 2) << " s wall, submit to succeeded (run "
    << "elapsed_ms " << final_run["elapsed_ms"].get<int64_t>() << "), status "
    << final_run["status"].get<std::string>() << ", total_logs "
    << final_run["total_logs"] << ", errors " << final_run["total_errors"]
    << ", warnings " << final_run["total_warnings"]
    << "; staging has main's change: " << (carried ? "yes" : "NO") << "\n"
    << "      database task done ~" << secs(db.done_ms)
    << ", index task done ~" << secs(ix.done_ms) << "; the last "
    << secs(tail_ms) << " before succeeded showed no change (" << frozen_at
    << ")\n"
    << "copy+fsync (cp, then sync of the copy; before / after the sync): "
       "content.db "
    << fixed(copy_before.first, 2) << " / " << fixed(copy_after.first, 2)
    << " s, index.db " << fixed(copy_before.second, 2) << " / "
    << fixed(copy_after.second, 2) << " s\n"
    << "ratios to copy+fsync (the faster of the two): whole sync "
    << fixed(sync_seconds / copy_both_seconds, 2)
    << " (both files); Sync Database Data "
    << fixed(database_task_seconds, 2) << " s = "
    << fixed(database_task_seconds / copy_content_seconds, 2)
    << " x content.db; Sync Indexed Data " << fixed(index_task_seconds, 2)
    << " s = " << fixed(index_task_seconds / copy_index_seconds, 2)
    << " x index.db\n"
    << "baseline: sqlite3 .backup content.db " << fixed(backup_seconds, 2)
    << " s, cp " << fixed(cp_seconds, 2) << " s, sqlite3 .backup index.db "
    << fixed(index_backup_seconds, 2) << " s; sync/backup = "
    << fixed(sync_seconds / backup_seconds, 2) << " (content.db), "
    << fixed(sync_seconds / (backup_seconds + index_backup_seconds), 2)
    << " (content.db + index.db)\n"
    << "memory: idle RSS " << in_mib(idle.rss_kib) << "; after fill RSS "
    << in_mib(after_fill.rss_kib) << "; peak before sync "
    << in_mib(before_sync.hwm_kib) << "; peak during sync "
    << in_mib(sync_peak_kib)
    << (peak_reset ? " (VmHWM reset at submit" : " (no VmHWM reset")
    << ", 10 ms samples max " << in_mib(max_rss_kib.load()) << ")\n"
    << "        sync added "
    << in_mib(std::max<int64_t>(0, sync_peak_kib - before_sync.rss_kib))
    << " over RSS before sync (" << in_mib(before_sync.rss_kib)
    << "); RSS after sync " << in_mib(after_sync.rss_kib) << " (anon "
    << in_mib(after_sync.anon_kib) << ", file " << in_mib(after_sync.file_kib)
    << ")\n"
    << "progress: monotonic " << (db.monotonic && ix.monotonic ? "yes" : "NO");
  if (!db.monotonic)
    std::cout << " [database " << db.first_violation << "]";
  if (!ix.monotonic)
    std::cout << " [index " << ix.first_violation << "]";
  std::cout << "; reached 100 " << (reached_100 ? "yes" : "NO")
            << "; max jump " << std::max(db.max_jump, ix.max_jump)
            << "% (database " << db.max_jump << "% at " << secs(db.max_jump_at)
            << ", index " << ix.max_jump << "% at " << secs(ix.max_jump_at)
            << "); longest stall " << longest_stall << " ms (from "
            << secs(longest_stall_at) << "); samples " << samples.size()
            << " (largest poll gap " << poll_gap << " ms)\n"
            << "        per task: database " << db.distinct
            << " distinct values, longest stall " << db.longest_stall
            << " ms, max off a straight line " << fixed(db.max_deviation, 1)
            << " points of 100; index " << ix.distinct
            << " distinct values, longest stall " << ix.longest_stall
            << " ms, max off a straight line " << fixed(ix.max_deviation, 1)
            << " points of 200 (snapshot+restore)\n"
            << "        timeline: database"
            << timeline(samples, false,
                        {{"25%", 25}, {"50%", 50}, {"75%", 75}, {"100%", 100}})
            << "; index"
            << timeline(samples, true,
                        {{"snapshot50%", 50},
                         {"snapshot99%", 99},
                         {"restore50%", 150},
                         {"restore100%", 200}})
            << "\n";
  bool ok = final_run["status"] == "succeeded" && carried && db.monotonic
            && ix.monotonic && reached_100;
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "sync_bench: " << e.what() << "\n";
  return 1;
}
