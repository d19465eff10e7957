#include "actors/startup_recovery.hpp"

#include "actors/clock.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/environment_layout.hpp"

#include <charconv>
#include <filesystem>
#include <string>

namespace downhill {

namespace fs = std::filesystem;

recovery_report recover(persistence::control_plane& db,
                        const persistence::environment_layout& layout) {
  recovery_report report;
  report.interrupted_runs = db.interrupt_unfinished_runs(now_ms()).size();
  for (auto key : db.delete_unfinished_environments()) {
    layout.remove_environment(key);
    ++report.removed_environments;
  }
  report.last_environment_key = db.last_environment_key();
  return report;
}

size_t remove_leftover_generations(
  const std::vector<persistence::environment_record>& environments,
  const persistence::environment_layout& layout) {
  size_t removed = 0;
  for (auto& env : environments)
    removed += static_cast<size_t>(
      layout.remove_other_generations(env.key, env.generation));
  return removed;
}

size_t remove_unknown_environment_dirs(
  const std::set<int64_t>& known, int64_t last_key,
  const persistence::environment_layout& layout) {
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator i{layout.root(), ec};
       !ec && i != fs::directory_iterator{}; i.increment(ec)) {
    auto name = i->path().filename().string();
    int64_t key = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(),
                                        key);
    bool is_key = error == std::errc{} && end == name.data() + name.size();
    if (is_key && (known.count(key) > 0 || key > last_key))
      continue;
    // Also when a deletion removes it at the same time: no error then.
    std::error_code gone;
    fs::remove_all(i->path(), gone);
    ++removed;
  }
  return removed;
}

} // namespace downhill
