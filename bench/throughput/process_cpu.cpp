#include "throughput/process_cpu.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace downhill::bench {

double process_cpu_ms(pid_t pid) {
  auto file = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(file);
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // the fields are counted from the last ')'. After it come field 3
  // (state) onwards; utime and stime are fields 14 and 15.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    throw std::runtime_error("cannot read " + file);
  std::istringstream fields(stat.substr(close + 1));
  std::string skip;
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime))
    throw std::runtime_error("cannot parse " + file);
  static const double ms_per_tick = 1000.0 / sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) * ms_per_tick;
}

double own_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1000.0
           + static_cast<double>(t.tv_usec) / 1000.0;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

cpu_window::cpu_window(pid_t server)
  : server_(server), wall_start_(std::chrono::steady_clock::now()),
    server_start_ms_(process_cpu_ms(server)), bench_start_ms_(own_cpu_ms()) {
}

cpu_window::reading cpu_window::read() const {
  reading r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                           - wall_start_)
               .count();
  r.server_cpu_ms = process_cpu_ms(server_) - server_start_ms_;
  r.bench_cpu_ms = own_cpu_ms() - bench_start_ms_;
  return r;
}

} // namespace downhill::bench
