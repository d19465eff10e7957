#include "fanout/client_fleet.hpp"

#include "fanout/frame_scan.hpp"
#include "fanout/server_frames.hpp"
#include "fanout/stream_upgrade.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace downhill::bench {

namespace {

int64_t wall_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

/// Upgrades are requests of the organization, under its fair share (a few
/// at once, some waiting, then 429): the fleet opens at most this many
/// streams at a time, as a dashboard reconnecting its tabs would.
constexpr size_t upgrades_in_flight = 16;

/// Bytes one recv may take: many frames of many runs in one system call.
constexpr size_t read_chunk = 256 * 1024;

/// Readiness reports taken per epoll_wait.
constexpr int events_per_wait = 256;

/// One client's connection, read by one reader thread only.
struct connection {
  int fd = -1;
  std::string carry;  // the start of a frame whose rest has not come yet
  client_tally* tally = nullptr;
};

} // namespace

run_seen& client_tally::run(int64_t run_id) {
  // Runs come one after another: the one wanted is nearly always the last.
  for (auto i = runs.rbegin(); i != runs.rend(); ++i)
    if (i->run_id == run_id)
      return *i;
  runs.push_back(run_seen{});
  runs.back().run_id = run_id;
  return runs.back();
}

const run_seen* client_tally::find(int64_t run_id) const {
  for (auto i = runs.rbegin(); i != runs.rend(); ++i)
    if (i->run_id == run_id)
      return &*i;
  return nullptr;
}

/// One epoll thread and the connections it reads.
class reader {
public:
  reader(std::atomic<uint64_t>& deliveries, std::atomic<uint64_t>& finals,
         std::atomic<uint64_t>& closed)
    : deliveries_(deliveries), finals_(finals), closed_(closed),
      scratch_(read_chunk * 2) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_ < 0 || wake_ < 0)
      throw std::runtime_error(std::string{"epoll: "} + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake-up
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
    thread_ = std::thread{[this] { loop(); }};
  }

  ~reader() {
    stop();
    ::close(epoll_);
    ::close(wake_);
  }

  /// Takes an opened connection (any thread); its leftover bytes are
  /// read on this reader's thread.
  void adopt(connection* c) {
    {
      std::lock_guard lock{incoming_mutex_};
      incoming_.push_back(c);
    }
    wake();
  }

  void stop() {
    if (!thread_.joinable())
      return;
    stopping_.store(true);
    wake();
    thread_.join();
  }

  /// Valid once stopped.
  const std::vector<float>& delays_ms() const { return delays_ms_; }

private:
  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  void loop() {
    epoll_event events[events_per_wait];
    for (;;) {
      int n = ::epoll_wait(epoll_, events, events_per_wait, -1);
      if (n < 0 && errno == EINTR)
        continue;
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<connection*>(events[i].data.ptr);
        if (c == nullptr) {
          if (stopping_.load())
            return;
          take_incoming();
        } else if (c->fd >= 0) {
          read_from(*c);
        }
      }
    }
  }

  void take_incoming() {
    uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_, &count, sizeof count);
    std::vector<connection*> taken;
    {
      std::lock_guard lock{incoming_mutex_};
      taken.swap(incoming_);
    }
    for (auto* c : taken) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = c;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev);
      if (!c->carry.empty()) {
        auto have = c->carry.size();
        std::memcpy(scratch_.data(), c->carry.data(), have);
        consume(*c, have, wall_us());
      }
    }
  }

  void read_from(connection& c) {
    auto have = c.carry.size();
    if (scratch_.size() < have + read_chunk)
      scratch_.resize(have + read_chunk);
    std::memcpy(scratch_.data(), c.carry.data(), have);
    auto n = ::recv(c.fd, scratch_.data() + have, read_chunk, 0);
    if (n == 0)
      return end(c, 0, "connection ended");
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      return end(c, 0, std::string{"recv: "} + std::strerror(errno));
    }
    // One receive time for the frames of one read: they all arrived by
    // then.
    consume(c, have + static_cast<size_t>(n), wall_us());
  }

  /// The frames in the first `size` bytes of scratch_; keeps a partial
  /// one for the next read.
  void consume(connection& c, size_t size, int64_t received_us) {
    std::string_view bytes{scratch_.data(), size};
    uint64_t frames = 0;
    uint64_t finals = 0;
    size_t at = 0;
    while (c.fd >= 0) {
      auto f = cut_frame(bytes.substr(at));
      if (f.result == server_frame::cut::need_more)
        break;
      if (f.result == server_frame::cut::bad || !f.fin) {
        end(c, 0, "a frame the server would not send");
        break;
      }
      at += f.size;
      if (f.opcode == text_opcode) {
        ++frames;
        if (on_text(*c.tally, f.payload, received_us))
          ++finals;
      } else if (f.opcode == close_opcode) {
        int code = f.payload.size() >= 2
                     ? (static_cast<uint8_t>(f.payload[0]) << 8)
                         | static_cast<uint8_t>(f.payload[1])
                     : 0;
        end(c, code,
            std::string{f.payload.substr(std::min<size_t>(2, f.payload.size()))});
      } else if (f.opcode == ping_opcode) {
        auto pong = client_frame(pong_opcode, f.payload);
        [[maybe_unused]] auto n
          = ::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
    }
    if (c.fd >= 0)
      c.carry.assign(bytes.substr(at));
    else
      c.carry.clear();
    deliveries_.fetch_add(frames, std::memory_order_relaxed);
    if (finals > 0)
      finals_.fetch_add(finals);
  }

  /// Tallies one event frame; true if it is a run's final frame, the first
  /// this client got of it.
  bool on_text(client_tally& t, std::string_view text, int64_t received_us) {
    auto frame = scan_frame(text);
    if (frame.type == scanned_frame::kind::other)
      recall_run_frame(text, frame);
    ++t.frames;
    if (frame.sent_us < 0)
      ++t.without_sent_at;
    else
      delays_ms_.push_back(
        static_cast<float>(received_us - frame.sent_us) / 1000.0f);
    if (frame.type == scanned_frame::kind::log) {
      auto& run = t.run(frame.run_id);
      if (frame.seq <= run.last_seq) {
        ++run.duplicates;
        return false;
      }
      if (frame.seq != run.last_seq + 1)
        ++run.gaps;
      ++run.distinct;
      run.last_seq = frame.seq;
    } else if (frame.type == scanned_frame::kind::run && frame.final) {
      auto& run = t.run(frame.run_id);
      run.total_logs = frame.total_logs;
      if (!run.final) {
        run.final = true;
        return true;
      }
    }
    return false;
  }

  /// A run frame's fields, parsed once per reader: all its clients get
  /// the same bytes, one after another.
  void recall_run_frame(std::string_view text, scanned_frame& frame) {
    for (auto& [seen, fields] : parsed_)
      if (seen == text) {
        auto sent_us = frame.sent_us;
        frame = fields;
        frame.sent_us = sent_us;
        return;
      }
    read_run_frame(text, frame);
    parsed_[next_parsed_] = {std::string{text}, frame};
    next_parsed_ = (next_parsed_ + 1) % parsed_.size();
  }

  void end(connection& c, int code, std::string reason) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    c.tally->closed = true;
    c.tally->close_code = code;
    c.tally->close_reason = std::move(reason);
    closed_.fetch_add(1);
  }

  std::atomic<uint64_t>& deliveries_;
  std::atomic<uint64_t>& finals_;
  std::atomic<uint64_t>& closed_;
  int epoll_ = -1;
  int wake_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex incoming_mutex_;
  std::vector<connection*> incoming_;
  std::vector<char> scratch_;
  std::vector<float> delays_ms_;
  std::array<std::pair<std::string, scanned_frame>, 16> parsed_;
  size_t next_parsed_ = 0;
  std::thread thread_;
};

struct client_fleet::impl {
  std::vector<connection> connections;
  std::vector<std::unique_ptr<reader>> readers;
  std::vector<std::thread> openers;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex mutex;
  std::condition_variable changed;
  size_t answered = 0;
  std::string first_error;
};

client_fleet::client_fleet(client::endpoint server, const std::string& target,
                           const std::string& token, size_t clients,
                           unsigned threads, std::chrono::seconds deadline)
  : impl_(std::make_unique<impl>()), tallies_(clients) {
  auto& m = *impl_;
  m.connections.resize(clients);
  for (size_t i = 0; i < clients; ++i)
    m.connections[i].tally = &tallies_[i];
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    m.readers.push_back(
      std::make_unique<reader>(deliveries_, finals_, closed_));
  auto next = std::make_shared<std::atomic<size_t>>(0);
  for (size_t i = 0; i < std::min(clients, upgrades_in_flight); ++i)
    m.openers.emplace_back([&m, next, server, target, token, clients] {
      for (size_t k; !m.stopping.load() && (k = next->fetch_add(1)) < clients;) {
        auto opened = open_stream(server.host, server.port, target, token,
                                  std::chrono::seconds(30));
        if (opened.error.empty()) {
          ::fcntl(opened.fd, F_SETFL, ::fcntl(opened.fd, F_GETFL) | O_NONBLOCK);
          auto& c = m.connections[k];
          c.fd = opened.fd;
          c.carry = std::move(opened.leftover);
          m.readers[k % m.readers.size()]->adopt(&c);
        }
        std::lock_guard lock{m.mutex};
        ++m.answered;
        if (!opened.error.empty() && m.first_error.empty())
          m.first_error = opened.error;
        m.changed.notify_all();
      }
    });
  std::unique_lock lock{m.mutex};
  bool all = m.changed.wait_for(lock, deadline,
                                [&] { return m.answered == clients; });
  auto error = m.first_error;
  lock.unlock();
  if (!all || !error.empty()) {
    stop();
    throw std::runtime_error(
      "opening " + std::to_string(clients) + " event streams: "
      + (error.empty() ? "not all answered in time" : error));
  }
}

client_fleet::~client_fleet() { stop(); }

void client_fleet::stop() {
  auto& m = *impl_;
  if (m.stopped)
    return;
  m.stopped = true;
  m.stopping.store(true);
  for (auto& t : m.openers)
    t.join();
  for (auto& r : m.readers)
    r->stop();
  for (auto& c : m.connections)
    if (c.fd >= 0) {
      ::close(c.fd);
      c.fd = -1;
    }
}

std::vector<double> client_fleet::delays_ms() const {
  std::vector<double> all;
  for (auto& r : impl_->readers)
    all.insert(all.end(), r->delays_ms().begin(), r->delays_ms().end());
  return all;
}

} // namespace downhill::bench
