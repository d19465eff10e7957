#include "throughput/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace downhill::bench {

void for_each_index(size_t count, size_t threads, failure_log& failures,
                    const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::min(count, threads); ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        try {
          work(i);
        } catch (const std::exception& e) {
          failures.add(e.what());
        }
      }
    });
  for (auto& thread : pool)
    thread.join();
}

} // namespace downhill::bench
