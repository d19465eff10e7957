// Who each user token belongs to, kept in memory (every request checks
// one). Filled from the control plane at start-up and as users are created.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>

namespace downhill {

/// Who a bearer token belongs to.
struct identity {
  bool admin = false;
  std::string org_id;  // empty for the admin
  std::string user;    // "admin" for the admin
};

class user_directory {
public:
  /// Adds a user known by the hash of its token.
  void add(const std::string& token_hash, identity who);

  /// The user whose token this is, if any.
  std::optional<identity> find(const std::string& token) const;

private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, identity> users_;  // by token hash
};

} // namespace downhill
