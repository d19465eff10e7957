#include "persistence/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace downhill::persistence {

namespace {

constexpr const char* sha256_prefix = "sha256:";

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    hex += digits[bytes[i] >> 4];
    hex += digits[bytes[i] & 0xf];
  }
  return hex;
}

std::string digest_hex(const EVP_MD* algorithm, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, algorithm, nullptr)
      != 1)
    throw std::runtime_error("cannot hash a token (OpenSSL EVP_Digest)");
  return to_hex(digest, size);
}

/// The form tokens were stored in before SHA-256: bare SHA-1 hex.
std::string legacy_sha1_hash(const std::string& token) {
  return digest_hex(EVP_sha1(), token);
}

} // namespace

std::string generate_token() {
  unsigned char bytes[32];
  size_t filled = 0;
  while (filled < sizeof(bytes)) {
    auto n = getrandom(bytes + filled, sizeof(bytes) - filled, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(std::string{"cannot read random bytes: "}
                               + std::strerror(errno));
    }
    filled += static_cast<size_t>(n);
  }
  return to_hex(bytes, sizeof(bytes));
}

std::string hash_token(const std::string& token) {
  return sha256_prefix + digest_hex(EVP_sha256(), token);
}

std::vector<std::string> token_lookup_hashes(const std::string& token) {
  return {hash_token(token), legacy_sha1_hash(token)};
}

bool token_matches_hash(const std::string& token,
                        const std::string& stored_hash) {
  auto presented = hash_token(token);
  // Both are hash_token() values of one length, unless the stored one is
  // malformed; the length is no secret.
  return presented.size() == stored_hash.size()
         && CRYPTO_memcmp(presented.data(), stored_hash.data(),
                          presented.size())
              == 0;
}

} // namespace downhill::persistence
