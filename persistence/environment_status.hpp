// An environment's status. Its names appear in the API and (ready,
// creating) in the control plane's rows; environment_status.cpp holds the
// one table of them, used both ways.
#pragma once

#include <optional>
#include <string_view>

namespace downhill::persistence {

/// Values are only appended: the table is indexed by them.
enum class environment_status {
  ready,
  creating,  // its Create Environment run has not ended yet
  locked,    // shown while a run writes it; never stored
};

const char* to_string(environment_status status);

/// The status a wire name spells; empty for a name no table row holds.
/// Never a default.
std::optional<environment_status>
environment_status_from_string(std::string_view name);

} // namespace downhill::persistence
