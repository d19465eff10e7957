// A bounded pool of client threads working through a list.
#pragma once

#include "throughput/failure_log.hpp"

#include <cstddef>
#include <functional>

namespace downhill::bench {

/// Calls work(i) for every i in [0, count) on `threads` threads (at most
/// `count`); a thread takes the next index as soon as it is done with one.
/// An exception from work(i) is recorded in `failures` and its thread goes
/// on with the next index. Returns when every index is done.
void for_each_index(size_t count, size_t threads, failure_log& failures,
                    const std::function<void(size_t)>& work);

} // namespace downhill::bench
