#include "actors/startup_recovery.hpp"

#include "actors/clock.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/environment_layout.hpp"

#include <filesystem>
#include <set>
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
  std::set<std::string> known;
  for (auto& env : db.list_environments()) {
    known.insert(std::to_string(env.key));
    report.removed_directories
      += static_cast<size_t>(layout.remove_other_generations(env.key,
                                                             env.generation));
  }
  for (auto& item : fs::directory_iterator{layout.root()}) {
    if (known.count(item.path().filename().string()) == 0) {
      fs::remove_all(item.path());
      ++report.removed_directories;
    }
  }
  return report;
}

} // namespace downhill
