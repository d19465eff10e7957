#include "persistence/file_copy.hpp"

#include "persistence/sqlite.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace downhill::persistence {

namespace {

[[noreturn]] void fail_os(const std::filesystem::path& file,
                          const char* doing, int os_error) {
  // SQLITE_FULL for a full disk, so that the task says "disk full" as a
  // failed online backup does.
  int code = os_error == ENOSPC || os_error == EDQUOT ? SQLITE_FULL
                                                      : SQLITE_IOERR;
  throw storage_error(code, std::string{"cannot "} + doing + " "
                              + file.string() + ": "
                              + std::strerror(os_error));
}

/// Owns a descriptor of a file this module created.
struct file_descriptor {
  int fd = -1;
  ~file_descriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};

void write_all(int fd, const char* data, size_t size, int64_t offset,
               const std::filesystem::path& file) {
  while (size > 0) {
    auto written = ::pwrite(fd, data, size, offset);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      fail_os(file, "write", errno);
    }
    data += written;
    size -= static_cast<size_t>(written);
    offset += written;
  }
}

} // namespace

bool checkpoint_to_empty_wal(database& db) {
  // One row: busy (1 when a reader kept the checkpoint from finishing),
  // the WAL's frames, the frames written back; -1 for both when the
  // database is not in WAL mode.
  // Without waiting for a reader: the caller holds the base's guard
  // exclusively, and a reader that keeps the WAL is what the fallback is
  // for.
  int64_t timeout_ms = 0;
  {
    auto get = db.prepare("PRAGMA busy_timeout");
    if (get.step())
      timeout_ms = get.int_column(0);
  }
  db.exec("PRAGMA busy_timeout=0");
  bool emptied = false;
  {
    auto stmt = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    emptied = stmt.step() && stmt.int_column(0) == 0;
  }
  db.exec("PRAGMA busy_timeout=" + std::to_string(timeout_ms));
  return emptied;
}

bool copy_database_file(database& source,
                        const std::filesystem::path& destination,
                        const progress_callback& on_progress,
                        int64_t bytes_per_second) {
  sqlite3_file* in = nullptr;
  int rc = sqlite3_file_control(source.handle(), "main",
                                SQLITE_FCNTL_FILE_POINTER, &in);
  if (rc != SQLITE_OK || in == nullptr || in->pMethods == nullptr)
    throw storage_error(rc == SQLITE_OK ? SQLITE_MISUSE : rc,
                        "no file handle for " + source.path().string());
  sqlite3_int64 file_size = 0;
  rc = in->pMethods->xFileSize(in, &file_size);
  if (rc != SQLITE_OK)
    throw storage_error(rc, "cannot size " + source.path().string());
  int64_t size = file_size;

  file_descriptor out;
  out.fd = ::open(destination.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out.fd < 0)
    fail_os(destination, "create", errno);

  if (!on_progress(0))
    return false;
  // Steps of about 1% (so progress and cancel move steadily), read in
  // pieces of at most 1 MiB (so memory stays small whatever the size).
  constexpr int64_t piece = 1 << 20;
  constexpr int64_t alignment = 4096;  // a page
  int64_t step = std::max(alignment,
                          ((size + 99) / 100 + alignment - 1) / alignment
                            * alignment);
  std::vector<char> buffer(static_cast<size_t>(std::min(piece, step)));
  auto started = std::chrono::steady_clock::now();
  int last_percent = 0;
  for (int64_t offset = 0; offset < size;) {
    int64_t step_end = std::min(size, offset + step);
    while (offset < step_end) {
      auto amount = static_cast<int>(std::min<int64_t>(
        static_cast<int64_t>(buffer.size()), step_end - offset));
      rc = in->pMethods->xRead(in, buffer.data(), amount, offset);
      if (rc != SQLITE_OK)
        throw storage_error(rc, "cannot read " + source.path().string());
      write_all(out.fd, buffer.data(), static_cast<size_t>(amount), offset,
                destination);
      offset += amount;
    }
    int percent = static_cast<int>(100 * offset / size);
    if (percent != last_percent && percent < 100) {
      last_percent = percent;
      if (!on_progress(percent))
        return false;
    }
    if (bytes_per_second > 0) {
      // Paced so that a big environment does not take all of the disk's
      // bandwidth from the other organizations.
      std::this_thread::sleep_until(
        started + std::chrono::microseconds(offset * 1000000
                                            / bytes_per_second));
    }
  }
  if (::close(out.fd) != 0) {
    out.fd = -1;
    fail_os(destination, "write", errno);
  }
  out.fd = -1;
  return on_progress(100);
}

} // namespace downhill::persistence
