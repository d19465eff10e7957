// What every org and run actor of one server shares: where environments
// live on disk, their switch guards, and the control-plane writer.
#pragma once

#include "actors/blocking_pool.hpp"
#include "actors/clock.hpp"
#include "actors/generation_numbers.hpp"
#include "actors/interfaces.hpp"
#include "actors/run_registry.hpp"
#include "persistence/content_store_pool.hpp"
#include "persistence/environment_layout.hpp"

#include <memory>

namespace downhill {

struct services {
  explicit services(const std::filesystem::path& data_dir) : layout(data_dir) {}

  persistence::environment_layout layout;
  persistence::environment_guards guards;
  persistence::content_store_pool stores;
  control_plane_writer_actor writer;
  scheduler_actor scheduler;
  event_hub_actor events;
  /// Every active run's actor, for the successor of an org actor that died.
  run_registry runs;
  /// The generation each sync builds (never a directory in use or being
  /// removed; see generation_numbers.hpp).
  generation_numbers generations;
  /// Pace of every environment copy; 0 for no limit (--copy-rate-limit).
  int64_t copy_bytes_per_second = 0;
  /// The threads of the runs' blocking steps (--copy-threads,
  /// --step-threads).
  blocking_pool blocking;
};

using services_ptr = std::shared_ptr<services>;

} // namespace downhill
