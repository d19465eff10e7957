#include "cli/admin_token.hpp"

#include "persistence/admin_token_store.hpp"
#include "persistence/tokens.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace downhill::cli {

namespace {

std::string trimmed(const std::string& text) {
  const char* blanks = " \t\r\n";
  auto first = text.find_first_not_of(blanks);
  if (first == std::string::npos)
    return {};
  auto last = text.find_last_not_of(blanks);
  return text.substr(first, last - first + 1);
}

std::string read_token_file(const std::string& file) {
  std::ifstream in{file};
  if (!in)
    throw usage_error("cannot read --admin-token-file " + file + ": "
                      + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  auto token = trimmed(line);
  if (token.empty())
    throw usage_error("--admin-token-file " + file
                      + ": the first line holds no token");
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    std::cerr << "downhill: warning: --admin-token-file " << file
              << " is readable by other users (mode "
              << std::oct << (st.st_mode & 0777) << std::dec
              << "); chmod 600 it\n";
  return token;
}

admin_token given(admin_token::origin from, std::string token,
                  const std::string& where) {
  if (token.size() < min_admin_token_length)
    throw usage_error(
      "the admin token from " + where + " is " + std::to_string(token.size())
      + " characters long; it must be at least "
      + std::to_string(min_admin_token_length)
      + " (e.g. the output of `openssl rand -hex 32`), or give none and "
        "let the server generate one");
  admin_token result;
  result.from = from;
  result.hash = persistence::hash_token(token);
  result.token = std::move(token);
  return result;
}

} // namespace

std::optional<admin_token> operator_admin_token(bool flag_given,
                                                const std::string& flag_value,
                                                const std::string& file) {
  if (flag_given && !file.empty())
    throw usage_error("give --admin-token or --admin-token-file, not both");
  if (flag_given)
    return given(admin_token::origin::flag, flag_value, "--admin-token");
  if (!file.empty())
    return given(admin_token::origin::file, read_token_file(file),
                 "--admin-token-file " + file);
  if (auto env = std::getenv("DOWNHILL_ADMIN_TOKEN"); env && *env)
    return given(admin_token::origin::environment, env,
                 "$DOWNHILL_ADMIN_TOKEN");
  return std::nullopt;
}

admin_token kept_admin_token(const std::filesystem::path& data_dir) {
  admin_token result;
  if (auto hash = persistence::load_admin_token_hash(data_dir)) {
    result.from = admin_token::origin::stored;
    result.hash = *hash;
    return result;
  }
  result.token = rotate_admin_token(data_dir);
  result.from = admin_token::origin::generated;
  result.hash = persistence::hash_token(result.token);
  return result;
}

std::string rotate_admin_token(const std::filesystem::path& data_dir) {
  auto token = persistence::generate_token();
  persistence::store_admin_token(data_dir, token);
  return token;
}

} // namespace downhill::cli
