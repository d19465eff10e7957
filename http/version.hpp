// downhill's version (the project's VERSION in CMakeLists.txt): what
// `downhill --version` prints and `/healthz` answers.
#pragma once

namespace downhill {

const char* version();

} // namespace downhill
