#include "actors/reader_pool.hpp"

#include "persistence/control_plane.hpp"

namespace downhill {

reader_pool::reader_pool(const std::filesystem::path& file, size_t size) {
  for (size_t i = 0; i < size; ++i)
    free_.push_back(std::make_unique<persistence::control_plane>(
      file, persistence::control_plane::access::reader));
}

reader_pool::~reader_pool() = default;

void reader_pool::use(
  const std::function<void(persistence::control_plane&)>& work) {
  std::unique_ptr<persistence::control_plane> db;
  {
    std::unique_lock<std::mutex> lock{mutex_};
    available_.wait(lock, [&] { return !free_.empty(); });
    db = std::move(free_.back());
    free_.pop_back();
  }
  // Given back however `work` ends (it may throw).
  struct give_back {
    reader_pool* pool;
    std::unique_ptr<persistence::control_plane>& db;
    ~give_back() {
      std::lock_guard<std::mutex> lock{pool->mutex_};
      pool->free_.push_back(std::move(db));
      pool->available_.notify_one();
    }
  } returner{this, db};
  work(*db);
}

} // namespace downhill
