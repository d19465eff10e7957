#include "http/release_on_drop.hpp"

namespace downhill::http {

namespace {

class hold {
public:
  explicit hold(std::function<void()> release) : release_(std::move(release)) {}
  hold(const hold&) = delete;
  hold& operator=(const hold&) = delete;
  ~hold() { release_(); }

private:
  std::function<void()> release_;
};

} // namespace

std::shared_ptr<void> release_on_drop(std::function<void()> release) {
  return std::make_shared<hold>(std::move(release));
}

} // namespace downhill::http
