// Read-only control-plane connections, lent one per request (the HTTP
// layer's reads never queue behind the writer's transactions).
#pragma once

#include "persistence/fwd.hpp"

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace downhill {

class reader_pool {
public:
  reader_pool(const std::filesystem::path& file, size_t size);
  ~reader_pool();

  /// Runs `work` on a free connection; waits for one if all are lent.
  void use(const std::function<void(persistence::control_plane&)>& work);

private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<persistence::control_plane>> free_;
};

} // namespace downhill
