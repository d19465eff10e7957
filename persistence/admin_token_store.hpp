// The admin token a server generated, kept across restarts as a hash only:
// DATA_DIR/admin-token.hash, mode 0600, one line "sha256:<hex>". Whoever
// reads the file cannot act as the admin; the token itself is printed once,
// when it is generated, and never stored.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace downhill::persistence {

inline constexpr const char* admin_token_hash_file_name = "admin-token.hash";

/// The stored hash, or nothing when the file does not exist. Throws
/// std::runtime_error when the file is unreadable or not a hash_token()
/// value (say, edited by hand): the server must not start with an admin
/// token nobody can know.
std::optional<std::string>
load_admin_token_hash(const std::filesystem::path& data_dir);

/// Replaces the stored hash with hash_token(`token`): written to a
/// temporary file, flushed, then renamed over the old one, so a crash
/// leaves the old hash or the new one, never a torn file.
void store_admin_token(const std::filesystem::path& data_dir,
                       const std::string& token);

} // namespace downhill::persistence
