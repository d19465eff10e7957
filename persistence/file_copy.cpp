#include "persistence/file_copy.hpp"

#include "persistence/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
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

/// The descriptor SQLite reads the main database file with, or -1. SQLite
/// has no API for it; its unix VFS keeps it in the fourth field of its
/// file object (`unixFile::h`, after the methods, the VFS and the inode
/// record, unchanged since 2008). So it is taken only from that VFS, and
/// only when fstat shows it is the file at `path` (a stat by name opens no
/// descriptor); otherwise the copy reads through the VFS's xRead.
int sqlite_descriptor(sqlite3_file* file, const std::filesystem::path& path) {
  struct unix_file_head {
    const sqlite3_io_methods* methods;
    sqlite3_vfs* vfs;
    void* inode;
    int descriptor;
  };
  auto* head = reinterpret_cast<unix_file_head*>(file);
  if (head->vfs == nullptr || head->vfs->zName == nullptr
      || std::string_view{head->vfs->zName} != "unix")
    return -1;
  struct stat by_descriptor {};
  struct stat by_name {};
  if (head->descriptor < 0 || ::fstat(head->descriptor, &by_descriptor) != 0
      || ::stat(path.c_str(), &by_name) != 0
      || by_descriptor.st_dev != by_name.st_dev
      || by_descriptor.st_ino != by_name.st_ino)
    return -1;
  return head->descriptor;
}

/// Copies ranges of the source file to the same offsets of the destination:
/// in the kernel with copy_file_range (a reflink where the file system can,
/// else no copy through user space) when SQLite's descriptor is known,
/// else read through SQLite in pieces of 1 MiB and written.
class range_copier {
public:
  range_copier(sqlite3_file* in, int in_descriptor, int out,
               const std::filesystem::path& source,
               const std::filesystem::path& destination)
    : in_(in), in_descriptor_(in_descriptor), out_(out), source_(source),
      destination_(destination) {}

  void copy(int64_t offset, int64_t length) {
    while (length > 0 && in_descriptor_ >= 0) {
      loff_t from = offset;
      loff_t to = offset;
      auto copied = ::copy_file_range(in_descriptor_, &from, out_, &to,
                                      static_cast<size_t>(length), 0);
      if (copied > 0) {
        offset += copied;
        length -= copied;
      } else if (copied < 0 && errno == EINTR) {
        continue;
      } else if (copied < 0 && (errno == ENOSPC || errno == EDQUOT)) {
        fail_os(destination_, "write", errno);
      } else {
        in_descriptor_ = -1;  // not for these files: the rest through xRead
      }
    }
    if (length > 0)
      read_and_write(offset, length);
  }

private:
  void read_and_write(int64_t offset, int64_t length) {
    constexpr int64_t piece = 1 << 20;
    buffer_.resize(static_cast<size_t>(std::min(piece, length)));
    while (length > 0) {
      auto amount = static_cast<int>(
        std::min<int64_t>(static_cast<int64_t>(buffer_.size()), length));
      int rc = in_->pMethods->xRead(in_, buffer_.data(), amount, offset);
      if (rc != SQLITE_OK)
        throw storage_error(rc, "cannot read " + source_.string());
      write_all(out_, buffer_.data(), static_cast<size_t>(amount), offset,
                destination_);
      offset += amount;
      length -= amount;
    }
  }

  sqlite3_file* in_;
  int in_descriptor_;
  int out_;
  const std::filesystem::path& source_;
  const std::filesystem::path& destination_;
  std::vector<char> buffer_;
};

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
  // Steps of about 1%, so that progress and cancel move steadily.
  constexpr int64_t alignment = 4096;  // a page
  int64_t step = std::max(alignment,
                          ((size + 99) / 100 + alignment - 1) / alignment
                            * alignment);
  range_copier copier{in, sqlite_descriptor(in, source.path()), out.fd,
                      source.path(), destination};
  auto started = std::chrono::steady_clock::now();
  int last_percent = 0;
  for (int64_t offset = 0; offset < size;) {
    int64_t step_end = std::min(size, offset + step);
    copier.copy(offset, step_end - offset);
    offset = step_end;
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
