#include "cli_process.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <pty.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DOWNHILL_BINARY
#  error "DOWNHILL_BINARY must name the downhill executable"
#endif

extern char** environ;

namespace downhill::testing {

cli_process::cli_process(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         int terminal_columns) {
  int out_fds[2];
  int err_fds[2];
  if (terminal_columns > 0) {
    winsize size{};
    size.ws_col = static_cast<unsigned short>(terminal_columns);
    size.ws_row = 24;
    // [0] the side the test reads, [1] the child's terminal.
    if (openpty(&out_fds[0], &out_fds[1], nullptr, nullptr, &size) != 0)
      throw std::runtime_error("openpty failed");
  } else if (pipe(out_fds) != 0) {
    throw std::runtime_error("pipe failed");
  }
  if (pipe(err_fds) != 0)
    throw std::runtime_error("pipe failed");
  // The environment is built before fork: the child only execs.
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind("DOWNHILL_", 0) == 0 || entry.rfind("COLUMNS=", 0) == 0)
      continue;
    variables.push_back(entry);
  }
  for (auto& [name, value] : env)
    variables.push_back(name + "=" + value);
  std::vector<std::string> all{DOWNHILL_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& v : variables)
    envp.push_back(v.data());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_fds[1], STDOUT_FILENO);
    dup2(err_fds[1], STDERR_FILENO);
    for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]})
      close(fd);
    execve(DOWNHILL_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  close(out_fds[1]);
  close(err_fds[1]);
  out_ = out_fds[0];
  err_ = err_fds[0];
}

cli_process::~cli_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {out_, err_})
    if (fd >= 0)
      close(fd);
}

bool cli_process::read_some(int timeout_ms) {
  pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
  if (out_ < 0 && err_ < 0)
    return false;
  if (poll(fds, 2, timeout_ms) <= 0)
    return true;
  int* ends[2] = {&out_, &err_};
  std::string* sinks[2] = {&result_.out, &result_.err};
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0)
      continue;
    char buf[4096];
    // A pseudo-terminal whose child side closed reads EIO, not 0.
    auto n = read(fds[i].fd, buf, sizeof(buf));
    if (n > 0) {
      sinks[i]->append(buf, static_cast<size_t>(n));
    } else {
      close(fds[i].fd);
      *ends[i] = -1;
    }
  }
  return out_ >= 0 || err_ >= 0;
}

std::string cli_process::wait_for_line(
  const std::function<bool(const std::string&)>& wanted,
  std::chrono::seconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    // Only whole lines: a line still being written is not looked at.
    for (auto end = result_.out.find('\n', scanned_);
         end != std::string::npos; end = result_.out.find('\n', scanned_)) {
      auto line = result_.out.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (wanted(line))
        return line;
    }
    if (std::chrono::steady_clock::now() >= until)
      throw std::runtime_error("no such line in time; stdout: " + result_.out
                               + "\nstderr: " + result_.err);
    if (!read_some(100))
      throw std::runtime_error("downhill ended without such a line; stdout: "
                               + result_.out + "\nstderr: " + result_.err);
  }
}

void cli_process::interrupt() {
  ::kill(pid_, SIGINT);
}

command_result cli_process::finish(std::chrono::seconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (read_some(100))
    if (std::chrono::steady_clock::now() >= until)
      throw std::runtime_error("downhill did not end in time; stdout: "
                               + result_.out + "\nstderr: " + result_.err);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  result_.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                          : WEXITSTATUS(status);
  return result_;
}

command_result run_cli_on_terminal(
  const std::vector<std::string>& args,
  const std::map<std::string, std::string>& env, int columns) {
  cli_process child{args, env, columns};
  return child.finish();
}

command_result run_cli(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env) {
  cli_process child{args, env};
  return child.finish();
}

} // namespace downhill::testing
