// Bearer tokens: random, shown once, stored only as a hash.
#pragma once

#include <string>
#include <vector>

namespace downhill::persistence {

/// 32 random bytes from the kernel (getrandom), as 64 hex digits.
std::string generate_token();

/// The stored form of a token: "sha256:" and the SHA-256 of it in hex.
/// Tokens are 256 random bits, so a fast hash is enough: there is nothing
/// to brute-force; the hash only keeps a stolen database from being a list
/// of working tokens.
std::string hash_token(const std::string& token);

/// Every stored form a token may have, newest scheme first: its
/// hash_token(), then the bare SHA-1 hex that data directories written
/// before SHA-256 hold for their users. Looking a token up under each form
/// keeps old tokens working without migrating the users table.
std::vector<std::string> token_lookup_hashes(const std::string& token);

/// Whether `token` hashes to `stored_hash` (a hash_token() value), in time
/// that does not depend on where they differ.
bool token_matches_hash(const std::string& token,
                        const std::string& stored_hash);

} // namespace downhill::persistence
