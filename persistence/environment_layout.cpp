#include "persistence/environment_layout.hpp"

#include <string>

namespace downhill::persistence {

namespace fs = std::filesystem;

environment_layout::environment_layout(fs::path data_dir)
  : root_(std::move(data_dir) / "environments") {
  fs::create_directories(root_);
}

fs::path environment_layout::environment_dir(int64_t key) const {
  return root_ / std::to_string(key);
}

fs::path environment_layout::generation_dir(int64_t key,
                                            int64_t generation) const {
  return environment_dir(key) / ("g" + std::to_string(generation));
}

int environment_layout::remove_other_generations(int64_t key,
                                                 int64_t current) const {
  auto dir = environment_dir(key);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return 0;
  auto keep = generation_dir(key, current).filename();
  int removed = 0;
  for (auto& item : fs::directory_iterator{dir}) {
    if (item.path().filename() != keep) {
      fs::remove_all(item.path());
      ++removed;
    }
  }
  return removed;
}

void environment_layout::remove_environment(int64_t key) const {
  fs::remove_all(environment_dir(key));
}

std::shared_ptr<environment_guard> environment_guards::get(int64_t key,
                                                           int64_t generation) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto& guard = guards_[key];
  if (!guard) {
    guard = std::make_shared<environment_guard>();
    guard->generation = generation;
  }
  return guard;
}

void environment_guards::forget(int64_t key) {
  std::lock_guard<std::mutex> lock{mutex_};
  guards_.erase(key);
}

} // namespace downhill::persistence
