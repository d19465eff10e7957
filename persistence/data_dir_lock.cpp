#include "persistence/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>

namespace downhill::persistence {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// The pid the holder wrote, or 0. The holder writes it just after taking
/// the lock, so a reader that comes in between sees an empty file: poll
/// for a moment rather than report an unknown holder.
pid_t read_holder(int fd) {
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(500);
  for (;;) {
    char buf[32] = {};
    auto n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
      try {
        auto pid = std::stol(std::string(buf, static_cast<size_t>(n)));
        if (pid > 0)
          return static_cast<pid_t>(pid);
      } catch (const std::exception&) {
        // Not a number (yet): poll again.
      }
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string describe(const fs::path& dir, pid_t holder) {
  std::string who = holder > 0 ? "pid " + std::to_string(holder)
                               : "a process whose pid is unknown";
  return "the data directory " + dir.string()
         + " is in use by another downhill server (" + who
         + "); stop that server first, or pass another --data-dir";
}

} // namespace

data_dir_in_use::data_dir_in_use(const fs::path& dir, pid_t holder)
  : std::runtime_error(describe(dir, holder)), holder_(holder) {
}

data_dir_lock::data_dir_lock(const fs::path& data_dir) {
  auto file = data_dir / file_name;
  // O_CLOEXEC: a child process must not inherit (and so prolong) the lock.
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    fail("cannot open the lock file " + file.string());
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    pid_t holder = error == EWOULDBLOCK ? read_holder(fd_) : 0;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw data_dir_in_use(data_dir, holder);
    errno = error;
    fail("cannot lock " + file.string());
  }
  // The pid is for people and for a second server's message only; the
  // lock itself is the flock.
  auto pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0
      || pwrite(fd_, pid.data(), pid.size(), 0)
           != static_cast<ssize_t>(pid.size())) {
    int error = errno;
    ::close(fd_);
    errno = error;
    fail("cannot write the pid into " + file.string());
  }
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace downhill::persistence
