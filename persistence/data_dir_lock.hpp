// One server per data directory. A second `downhill serve` on the same
// directory would run start-up recovery against the live server's runs and
// generations, so the server takes an exclusive lock before it touches
// anything there. The lock is a flock on DATA_DIR/downhill.lock, which
// holds the owner's pid for the message a second server prints. The kernel
// drops a flock when its process dies, however it dies (SIGKILL
// included), so a crashed server never blocks a restart.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace downhill::persistence {

/// Another live process holds the lock.
class data_dir_in_use : public std::runtime_error {
public:
  data_dir_in_use(const std::filesystem::path& dir, pid_t holder);
  /// The holder's pid as written in the lock file; 0 if it could not be read.
  pid_t holder() const { return holder_; }

private:
  pid_t holder_;
};

class data_dir_lock {
public:
  /// Locks `data_dir` (which must exist) or throws data_dir_in_use; other
  /// failures (permissions, ...) throw std::system_error.
  explicit data_dir_lock(const std::filesystem::path& data_dir);
  /// Releases the lock (closing the file is enough).
  ~data_dir_lock();

  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

  static constexpr const char* file_name = "downhill.lock";

private:
  int fd_ = -1;
};

} // namespace downhill::persistence
