// A hold on a counted resource (a connection slot, bytes of a budget):
// `release` runs when the last copy of the returned pointer is dropped.
#pragma once

#include <functional>
#include <memory>

namespace downhill::http {

std::shared_ptr<void> release_on_drop(std::function<void()> release);

} // namespace downhill::http
