#include "fanout/client_fleet.hpp"

#include "fanout/frame_scan.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace downhill::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

int64_t wall_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

/// Upgrades are requests of the organization, under its fair share (a few
/// at once, some waiting, then 429): a client opens at most this many
/// streams at a time, as a dashboard reconnecting its tabs would.
constexpr size_t handshakes_in_flight = 16;

/// Counts handshakes until all have answered, and the first failure; an
/// answer starts the next waiting handshake.
struct opening {
  std::mutex mutex;
  std::condition_variable changed;
  size_t answered = 0;
  std::string first_error;
  std::function<void()> open_next;

  void answer(const std::string& error) {
    // The next one first: once the last answer is counted, the fleet's
    // constructor returns and this object is gone.
    open_next();
    std::lock_guard lock{mutex};
    ++answered;
    if (!error.empty() && first_error.empty())
      first_error = error;
    changed.notify_all();
  }
};

struct counters {
  std::atomic<uint64_t>& deliveries;
  std::atomic<uint64_t>& finals;
  std::atomic<uint64_t>& closed;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(asio::io_context& ioc, client_tally& tally, counters c)
    : ws_(ioc), tally_(tally), counters_(c) {}

  void open(const client::endpoint& server, const std::string& target,
            const std::string& token, opening& done) {
    host_ = server.host;
    target_ = target;
    done_ = &done;
    ws_.set_option(websocket::stream_base::decorator(
      [token](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
      }));
    tcp::endpoint to{asio::ip::make_address(server.host), server.port};
    beast::get_lowest_layer(ws_).async_connect(
      to, [self = shared_from_this()](beast::error_code ec) {
        if (ec)
          return self->done_->answer("connect: " + ec.message());
        self->ws_.async_handshake(
          self->host_, self->target_, [self](beast::error_code ec) {
            self->done_->answer(ec ? "handshake: " + ec.message() : "");
            if (!ec)
              self->read();
          });
      });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](
                              beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        tally_.closed = true;
        tally_.close_code = ws_.reason().code;
        tally_.close_reason = std::string(ws_.reason().reason.c_str());
        counters_.closed.fetch_add(1);
      }
      return;
    }
    auto received = wall_us();
    auto data = buffer_.cdata();
    auto frame = scan_frame(
      {static_cast<const char*>(data.data()), data.size()});
    buffer_.consume(buffer_.size());
    ++tally_.frames;
    if (frame.sent_us < 0)
      ++tally_.without_sent_at;
    else
      tally_.delay_ms.push_back(
        static_cast<float>(received - frame.sent_us) / 1000.0f);
    if (frame.type == scanned_frame::kind::log) {
      auto& run = tally_.runs[frame.run_id];
      auto seq = static_cast<size_t>(frame.seq);
      if (run.seqs.size() <= seq)
        run.seqs.resize(seq + 1);
      if (run.seqs[seq])
        ++run.duplicates;
      else
        ++run.distinct;
      run.seqs[seq] = true;
    } else if (frame.type == scanned_frame::kind::run && frame.final) {
      auto& run = tally_.runs[frame.run_id];
      if (!run.final)
        counters_.finals.fetch_add(1);
      run.final = true;
    }
    counters_.deliveries.fetch_add(1, std::memory_order_relaxed);
    read();
  }

  websocket::stream<beast::tcp_stream> ws_;
  client_tally& tally_;
  counters counters_;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string target_;
  opening* done_ = nullptr;
};

} // namespace

struct client_fleet::impl {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::shared_ptr<session>> sessions;
  std::vector<std::thread> threads;
  bool stopped = false;
};

client_fleet::client_fleet(client::endpoint server, const std::string& target,
                           const std::string& token, size_t clients,
                           unsigned threads, std::chrono::seconds deadline)
  : impl_(std::make_unique<impl>()), tallies_(clients) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
  opening done;
  counters c{deliveries_, finals_, closed_};
  for (size_t i = 0; i < clients; ++i) {
    auto& ioc = *impl_->contexts[i % impl_->contexts.size()];
    impl_->sessions.push_back(std::make_shared<session>(ioc, tallies_[i], c));
  }
  std::atomic<size_t> next{0};
  done.open_next = [&] {
    auto i = next.fetch_add(1);
    if (i < clients)
      impl_->sessions[i]->open(server, target, token, done);
  };
  for (size_t i = 0; i < std::min(clients, handshakes_in_flight); ++i)
    done.open_next();
  for (auto& ioc : impl_->contexts)
    impl_->threads.emplace_back([&ioc = *ioc] {
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
  std::unique_lock lock{done.mutex};
  bool all = done.changed.wait_for(lock, deadline,
                                   [&] { return done.answered == clients; });
  auto error = done.first_error;
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
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  for (auto& ioc : impl_->contexts)
    ioc->stop();
  for (auto& t : impl_->threads)
    t.join();
  for (auto& s : impl_->sessions)
    s->close();
}

} // namespace downhill::bench
