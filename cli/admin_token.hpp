// Which admin token a server accepts. The operator may give one (flag,
// file or environment); it must be long enough to be a secret. Otherwise
// the server keeps the one it generated at an earlier start, of which only
// a hash is stored in the data directory, or generates one and prints it.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace downhill::cli {

/// An operator's token shorter than this is refused at start: a short
/// token can be guessed, and the admin may act in every organization.
inline constexpr size_t min_admin_token_length = 32;

/// A mistake in how the server was started: exit code 2.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct admin_token {
  enum class origin { flag, file, environment, stored, generated };
  origin from = origin::generated;
  /// hash_token() of the token: what the router compares against.
  std::string hash;
  /// The token itself when this process knows it (given by the operator,
  /// or generated now); empty for a stored one.
  std::string token;
};

/// The token the operator gave: `--admin-token` (when `flag_given`),
/// `--admin-token-file` (its first line, trimmed) when `file` is not empty,
/// else $DOWNHILL_ADMIN_TOKEN; nothing when none of them is set. Throws
/// usage_error for a token shorter than min_admin_token_length or an
/// unreadable file. Touches no data directory.
std::optional<admin_token> operator_admin_token(bool flag_given,
                                                const std::string& flag_value,
                                                const std::string& file);

/// The token kept in `data_dir` (a stored hash), or a new one, generated
/// and stored. The caller holds the data directory's lock.
admin_token kept_admin_token(const std::filesystem::path& data_dir);

/// Generates a new admin token, stores its hash in `data_dir` in place of
/// the old one, and returns it. The caller holds the data directory's lock.
std::string rotate_admin_token(const std::filesystem::path& data_dir);

} // namespace downhill::cli
