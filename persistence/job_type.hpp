// The kinds of environment job. Their names appear in the API and in the
// control plane's rows; job_type.cpp holds the one table of them, used both
// ways.
#pragma once

#include <optional>
#include <string_view>

namespace downhill::persistence {

/// Values are only appended: the table is indexed by them.
enum class job_type {
  create_environment,
  sync_environments,
};

const char* to_string(job_type type);

/// The type a wire name spells; empty for a name no table row holds (a
/// request's typo, a row written by a newer version). Never a default.
std::optional<job_type> job_type_from_string(std::string_view name);

} // namespace downhill::persistence
