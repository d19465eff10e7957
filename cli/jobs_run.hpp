// `downhill jobs run`: submits a Create or Sync job to a server and follows
// it over the WebSocket, drawing a progress bar per task.
#pragma once

#include <string>

namespace downhill::cli {

struct jobs_run_options {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  std::string type = "sync_environments";
  std::string name;
  std::string base;
  std::string target;        // sync: the target; create: the new alias
  std::string display_name;  // create
};

/// Returns the process exit code: 0 when the run succeeded.
int jobs_run(const jobs_run_options& options);

} // namespace downhill::cli
