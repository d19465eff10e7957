// The one table of names of an enum whose values are 0, 1, ... N-1: the name
// of a value, and the value a name spells (never a default). Each enum that
// is stored or shown (job_state.cpp, run_states.cpp, frame_kind.cpp, ...)
// holds one; a value without a name does not compile.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace downhill {

template <class Enum, Enum last>
struct name_table {
  static constexpr std::size_t size = static_cast<std::size_t>(last) + 1;
  const char* names[size];

  /// Fails to compile unless there is exactly one name per value.
  template <std::size_t N>
  static constexpr name_table of(const char* const (&in)[N]) {
    static_assert(N == size, "every value needs a name, and no more");
    name_table table{};
    for (std::size_t i = 0; i < N; ++i)
      table.names[i] = in[i];
    return table;
  }

  constexpr const char* name(Enum value) const {
    return names[static_cast<std::size_t>(value)];
  }

  std::optional<Enum> value(std::string_view name) const {
    for (std::size_t i = 0; i < size; ++i)
      if (name == names[i])
        return static_cast<Enum>(i);
    return std::nullopt;
  }
};

} // namespace downhill
