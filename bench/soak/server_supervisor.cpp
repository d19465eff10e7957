#include "server_supervisor.hpp"

#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace downhill::soak {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

server_supervisor::server_supervisor(fs::path binary, fs::path work_dir,
                                     std::string admin_token,
                                     std::vector<std::string> extra_args)
  : binary_(std::move(binary)), work_dir_(std::move(work_dir)),
    admin_token_(std::move(admin_token)), extra_args_(std::move(extra_args)) {
}

server_supervisor::~server_supervisor() {
  if (pid_ > 0)
    kill_hard();
}

fs::path server_supervisor::log_file() const {
  return work_dir_ / ("server-" + std::to_string(incarnation_.load()) + ".log");
}

void server_supervisor::start() {
  if (pid_ > 0)
    throw std::logic_error("server already running");
  ++incarnation_;
  auto log = log_file();
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      _exit(126);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    std::vector<std::string> args{binary_.string(), "serve",
                                  "--data-dir",     (work_dir_ / "var").string(),
                                  "--listen",       "127.0.0.1:0",
                                  "--admin-token",  admin_token_};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    // A crash point armed in the soak's environment would turn the soak
    // into a crash test of one point.
    unsetenv("DOWNHILL_CRASH_AT");
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  // Poll the log for the port line, with a deadline; an early exit is a
  // failed start.
  static const std::regex listening{R"(listening on http://127\.0\.0\.1:(\d+))"};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    auto output = text.str();
    std::smatch m;
    if (std::regex_search(output, m, listening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      auto how = describe(status);
      reaped();
      throw std::runtime_error("server exited at start (" + how
                               + "); output: " + output);
    }
    std::this_thread::sleep_for(20ms);  // polling the log, with a deadline
  }
  kill_hard();
  throw std::runtime_error("server did not print its port within 30 s");
}

void server_supervisor::kill_hard() {
  if (pid_ <= 0)
    return;
  port_ = 0;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped();
}

std::string server_supervisor::stop_gracefully() {
  if (pid_ <= 0)
    return "not running";
  // Stop handing out the port first: clients wait instead of dialling a
  // server that no longer accepts.
  port_ = 0;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      auto how = describe(status);
      reaped();
      return how;
    }
    std::this_thread::sleep_for(20ms);  // polling for the exit, with a deadline
  }
  kill_hard();
  return "did not exit within 60 s of SIGTERM (killed)";
}

std::optional<std::string> server_supervisor::unexpected_exit() {
  if (pid_ <= 0)
    return std::nullopt;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_)
    return std::nullopt;
  auto how = describe(status);
  port_ = 0;
  reaped();
  return how;
}

void server_supervisor::reaped() {
  pid_ = -1;
  port_ = 0;
}

std::string server_supervisor::describe(int status) const {
  if (WIFEXITED(status))
    return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "signal " + std::to_string(WTERMSIG(status)) + " ("
           + strsignal(WTERMSIG(status)) + ")";
  return "wait status " + std::to_string(status);
}

int64_t server_supervisor::rss_kib() const {
  if (pid_ <= 0)
    return -1;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoll(line.substr(6));
  return -1;
}

std::string server_supervisor::log_tail(size_t lines) const {
  std::ifstream in(log_file());
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines)
      last.pop_front();
  }
  std::string out;
  for (auto& l : last)
    out += "    | " + l + "\n";
  return out;
}

} // namespace downhill::soak
