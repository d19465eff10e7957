#include "actors/user_directory.hpp"

#include "persistence/tokens.hpp"

#include <mutex>

namespace downhill {

void user_directory::add(const std::string& token_hash, identity who) {
  std::unique_lock<std::shared_mutex> lock{mutex_};
  users_.emplace(token_hash, std::move(who));
}

std::optional<identity> user_directory::find(const std::string& token) const {
  // Users created before SHA-256 are stored under their SHA-1; each form is
  // tried, so their tokens keep working with no migration.
  auto hashes = persistence::token_lookup_hashes(token);
  std::shared_lock<std::shared_mutex> lock{mutex_};
  for (auto& hash : hashes) {
    auto i = users_.find(hash);
    if (i != users_.end())
      return i->second;
  }
  return std::nullopt;
}

} // namespace downhill
