#include "server_process.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <regex>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DOWNHILL_BINARY
#  error "DOWNHILL_BINARY must name the downhill executable"
#endif

namespace downhill::testing {

namespace {

std::filesystem::path fresh_directory() {
  auto base = std::filesystem::temp_directory_path();
  std::string pattern = (base / "downhill-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return pattern;
}

} // namespace

server_process::server_process(std::vector<std::string> extra_args,
                               admin_source admin)
  : data_dir_(fresh_directory()), admin_(admin),
    extra_args_(std::move(extra_args)) {
  start();
}

server_process::~server_process() {
  if (pid_ > 0)
    kill_hard();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

void server_process::start(const std::string& crash_at) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test binary that dies (a failed REQUIRE in a destructor, a
    // sanitizer report) takes its servers with it instead of leaving them
    // to hold CTest's output pipe open until the timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (!stderr_file_.empty()) {
      int fd = open(stderr_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
    }
    auto data = (data_dir_ / "var").string();
    // A benchmark can run another build of the server (a baseline) with
    // $DOWNHILL_TEST_SERVER_BINARY; tests leave it unset.
    const char* binary = std::getenv("DOWNHILL_TEST_SERVER_BINARY");
    if (binary == nullptr || *binary == '\0')
      binary = DOWNHILL_BINARY;
    std::vector<std::string> args{binary, "serve",    "--data-dir",
                                  data,   "--listen", "127.0.0.1:0"};
    if (admin_ == admin_source::given)
      setenv("DOWNHILL_ADMIN_TOKEN", admin_token_.c_str(), 1);
    else
      unsetenv("DOWNHILL_ADMIN_TOKEN");
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (crash_at.empty())
      unsetenv("DOWNHILL_CRASH_AT");
    else
      setenv("DOWNHILL_CRASH_AT", crash_at.c_str(), 1);
    execv(binary, argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  // Wait (with a deadline) for the line that names the bound port.
  static const std::regex listening{R"(listening on http://127\.0\.0\.1:(\d+))"};
  static const std::regex generated{R"(admin token: ([0-9a-f]{64})\n)"};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  port_ = 0;
  output_.clear();
  while (port_ == 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      throw std::runtime_error("server did not start; output: " + output_);
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0)
      continue;
    char buf[4096];
    auto n = read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0)
      throw std::runtime_error("server exited at start; output: " + output_);
    output_.append(buf, static_cast<size_t>(n));
    std::smatch m;
    if (std::regex_search(output_, m, listening))
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
  }
  // A server that generated its admin token prints it once, before it
  // says it is listening; a restart keeps that token.
  std::smatch m;
  if (admin_ == admin_source::kept && std::regex_search(output_, m, generated))
    admin_token_ = m[1];
}

void server_process::kill_hard() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  close(stdout_fd_);
}

int server_process::wait_exit() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  close(stdout_fd_);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int server_process::stop() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  close(stdout_fd_);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

command_result run_downhill(const std::vector<std::string>& args,
                            std::chrono::seconds deadline) {
  int out_fds[2];
  int err_fds[2];
  if (pipe(out_fds) != 0 || pipe(err_fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_fds[1], STDOUT_FILENO);
    dup2(err_fds[1], STDERR_FILENO);
    for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]})
      close(fd);
    std::vector<std::string> all{DOWNHILL_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    unsetenv("DOWNHILL_ADMIN_TOKEN");
    unsetenv("DOWNHILL_CRASH_AT");
    execv(DOWNHILL_BINARY, argv.data());
    _exit(127);
  }
  close(out_fds[1]);
  close(err_fds[1]);
  command_result result;
  pollfd fds[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      close(out_fds[0]);
      close(err_fds[0]);
      throw std::runtime_error("downhill did not exit in time; stderr: "
                               + result.err);
    }
    if (poll(fds, 2, static_cast<int>(left)) <= 0)
      continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      auto n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_pipes;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                         : WEXITSTATUS(status);
  return result;
}

} // namespace downhill::testing
