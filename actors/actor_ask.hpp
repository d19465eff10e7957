// Blocking requests to the actors, from the HTTP layer's pool threads and
// the org supervisor (a detached actor, which may block); never from a
// cooperatively scheduled actor or a network thread. And what their CAF
// errors mean in the API's terms.
#pragma once

#include "actors/core.hpp"

#include <caf/error.hpp>
#include <caf/function_view.hpp>

#include <chrono>

namespace downhill {

/// How long a request waits for an actor before answering 503.
inline constexpr auto actor_timeout = std::chrono::seconds(30);

/// A request to an actor that came back as a CAF error, in the API's terms:
/// no answer in time, or an organization's actor that stopped (it is being
/// replaced), is worth a retry (503); anything else is a server fault (500).
api_error unavailable(const caf::error& e);

api_error no_such_org();

/// Asks `target` and waits (on this pool thread) for its one reply.
template <class Handle, class... Ts>
auto ask(const Handle& target, Ts&&... xs) {
  auto view = caf::make_function_view(target, caf::duration{actor_timeout});
  auto answer = view(std::forward<Ts>(xs)...);
  using reply = std::decay_t<decltype(*answer)>;
  if (!answer)
    return outcome<reply>{unavailable(answer.error()), {}};
  return outcome<reply>{{}, std::move(*answer)};
}

/// The reply's own error if the request itself got through.
inline api_error error_of(const outcome<api_error>& answer) {
  return answer.error ? answer.error : answer.value;
}

} // namespace downhill
