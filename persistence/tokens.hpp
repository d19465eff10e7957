// Bearer tokens: random, shown once, stored only as a hash.
#pragma once

#include <string>

namespace downhill::persistence {

/// 32 random bytes from the kernel, as 64 hex digits.
std::string generate_token();

/// The stored form of a token (SHA-1 of it, in hex). Tokens are 256 random
/// bits, so a fast hash is enough: there is nothing to brute-force.
std::string hash_token(const std::string& token);

} // namespace downhill::persistence
