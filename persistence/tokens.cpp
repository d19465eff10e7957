#include "persistence/tokens.hpp"

#include <boost/uuid/detail/sha1.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace downhill::persistence {

namespace {

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < size; ++i) {
    hex += digits[bytes[i] >> 4];
    hex += digits[bytes[i] & 0xf];
  }
  return hex;
}

} // namespace

std::string generate_token() {
  unsigned char bytes[32];
  std::ifstream random{"/dev/urandom", std::ios::binary};
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof(bytes)))
    throw std::runtime_error("cannot read /dev/urandom");
  return to_hex(bytes, sizeof(bytes));
}

std::string hash_token(const std::string& token) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(token.data(), token.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  unsigned char bytes[20];
  for (int i = 0; i < 5; ++i)
    for (int b = 0; b < 4; ++b)
      bytes[i * 4 + b] = static_cast<unsigned char>(digest[i] >> (24 - 8 * b));
  return to_hex(bytes, sizeof(bytes));
}

} // namespace downhill::persistence
