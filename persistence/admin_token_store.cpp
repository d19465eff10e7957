#include "persistence/admin_token_store.hpp"

#include "persistence/sqlite.hpp"
#include "persistence/tokens.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace downhill::persistence {

namespace fs = std::filesystem;

namespace {

bool looks_like_hash(const std::string& text) {
  const std::string prefix = "sha256:";
  return text.size() == prefix.size() + 64
         && text.compare(0, prefix.size(), prefix) == 0
         && text.find_first_not_of("0123456789abcdef", prefix.size())
              == std::string::npos;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

std::optional<std::string> load_admin_token_hash(const fs::path& data_dir) {
  auto file = data_dir / admin_token_hash_file_name;
  std::error_code ec;
  if (!fs::exists(file, ec))
    return std::nullopt;
  std::ifstream in{file};
  std::string line;
  if (!in || !std::getline(in, line))
    throw std::runtime_error("cannot read the stored admin token hash "
                             + file.string());
  if (!looks_like_hash(line))
    throw std::runtime_error(
      file.string() + " does not hold an admin token hash (\"sha256:\" and "
      "64 hex digits); run `downhill admin-token rotate --data-dir "
      + data_dir.string() + "` to make a new admin token");
  return line;
}

void store_admin_token(const fs::path& data_dir, const std::string& token) {
  auto file = data_dir / admin_token_hash_file_name;
  auto temporary = data_dir / (std::string{admin_token_hash_file_name} + ".new");
  auto text = hash_token(token) + "\n";
  // 0600 whatever the umask: the hash is not the token, but nobody else
  // has any business reading it.
  int fd = ::open(temporary.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    fail("cannot create " + temporary.string());
  bool written = ::fchmod(fd, 0600) == 0
                 && ::write(fd, text.data(), text.size())
                      == static_cast<ssize_t>(text.size())
                 && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!written) {
    errno = error;
    fail("cannot write " + temporary.string());
  }
  fs::rename(temporary, file);
  fsync_path(data_dir);
}

} // namespace downhill::persistence
