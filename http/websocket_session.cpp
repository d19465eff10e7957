#include "http/websocket_session.hpp"

#include "actors/clock.hpp"
#include "http/fair_share.hpp"
#include "http/json_limits.hpp"
#include "actors/server_log.hpp"
#include "metrics/server_metrics.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/record_json.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <map>

namespace downhill::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

/// Frames a session may have waiting beyond its initial backlog before it
/// counts as too slow: it is then closed (1008) rather than buffered.
constexpr size_t queue_limit = 256;

/// Clients have nothing to say on an event stream; anything larger than a
/// close or pong frame is refused instead of buffered (Beast's default
/// would accept 16 MiB).
constexpr size_t client_message_limit = 4096;

class websocket_session
  : public std::enable_shared_from_this<websocket_session> {
  using bhttp_request = beast::http::request<beast::http::string_body>;

public:
  websocket_session(tcp::socket&& socket, core& c, fair_share& shares,
                    event_stream_request what,
                    std::shared_ptr<void> connection_ticket)
    : ws_(std::move(socket)), core_(c), shares_(shares), what_(std::move(what)),
      connection_ticket_(std::move(connection_ticket)),
      delivered_seq_(what_.after) {
    if (what_.run_id != 0)
      last_seq_[what_.run_id] = what_.after;
    metrics::server().websocket_clients.get().inc();
  }

  ~websocket_session() {
    metrics::server().websocket_clients.get().dec();
    if (subscription_ != 0)
      core_.unsubscribe_events(subscription_);
  }

  void run(bhttp_request upgrade) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{
      std::chrono::seconds(30),  // handshake
      std::chrono::seconds(60),  // idle: no pong for this long means dead
      true};                     // ping when idle
    ws_.set_option(timeouts);
    ws_.read_message_max(client_message_limit);
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) {
        res.set(beast::http::field::server, "downhill");
      }));
    // A small kernel buffer makes a stalled client visible to the queue
    // limit soon, instead of after megabytes.
    beast::error_code ignored;
    ws_.next_layer().socket().set_option(
      asio::socket_base::send_buffer_size(64 * 1024), ignored);
    upgrade_ = std::move(upgrade);
    ws_.async_accept(upgrade_, beast::bind_front_handler(
                                 &websocket_session::on_accept,
                                 shared_from_this()));
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return;
    std::weak_ptr<websocket_session> weak = shared_from_this();
    auto executor = ws_.get_executor();
    // Called on the event hub's thread: only posts to this strand.
    subscription_ = core_.subscribe_events(
      what_.org_id, what_.run_id, what_.after,
      [weak, executor](const event_frame& frame) {
        if (auto self = weak.lock())
          asio::post(executor, [self, frame] { self->on_event(frame); });
      });
    if (what_.run_id == 0)
      live_ = true;
    else
      load_stored();
    do_read();
  }

  /// The run's summary and its stored logs after `after`, read on the pool
  /// under the organization's share (like any of its requests).
  void load_stored() {
    auto self = shared_from_this();
    bool queued = shares_.submit(what_.org_id, [self] {
      json summary;
      std::vector<persistence::log_record> logs;
      bool loaded = true;
      try {
        self->core_.read([&](persistence::control_plane& db) {
          if (auto run = db.get_run(self->what_.org_id, self->what_.run_id))
            summary = persistence::run_json(*run, now_ms());
          for (auto after = self->what_.after;;) {
            auto page = db.list_logs(self->what_.run_id, after, 5000);
            if (page.empty())
              break;
            after = page.back().seq;
            logs.insert(logs.end(), page.begin(), page.end());
          }
        });
      } catch (const std::exception& e) {
        log_line(log_level::error, std::string{"event stream: "} + e.what());
        loaded = false;
      }
      asio::post(self->ws_.get_executor(),
                 [self, loaded, summary = std::move(summary),
                  logs = std::move(logs)]() mutable {
                   if (!loaded)
                     return self->close_for_retry();
                   self->on_stored(std::move(summary), std::move(logs));
                 });
    });
    if (!queued)
      asio::post(ws_.get_executor(),
                 [self] { self->close_for_retry(); });
  }

  /// The stored part of the stream could not be read (the organization is
  /// busy, or storage failed): going live would leave a gap, so the client
  /// is told to come back with the same `after`.
  void close_for_retry() {
    closing_ = true;
    queue_.clear();
    websocket::close_reason reason{
      websocket::close_code::try_again_later,
      "busy; reconnect with after=" + std::to_string(delivered_seq_)};
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
  }

  /// Stored and buffered live frames meet here: logs are merged by their
  /// number, so the seam has no gap (the hub replayed what the database
  /// may not hold yet) and no duplicate (each number is sent once).
  void on_stored(json summary, std::vector<persistence::log_record> logs) {
    backlog_allowance_ = logs.size() + buffered_.size();
    if (!summary.is_null())
      enqueue(frame_of(frame_kind::run, json{{"run", summary}}));
    std::map<int64_t, event_frame> merged;
    for (auto& log : logs) {
      auto body = persistence::log_json(log);
      body["run_id"] = std::to_string(what_.run_id);
      auto frame = frame_of(frame_kind::log, std::move(body));
      frame.seq = log.seq;
      merged.emplace(log.seq, std::move(frame));
    }
    std::vector<event_frame> others;
    for (auto& frame : buffered_) {
      if (frame.kind == frame_kind::log)
        merged.emplace(frame.seq, frame);
      else
        others.push_back(frame);
    }
    buffered_.clear();
    for (auto& [seq, frame] : merged)
      enqueue(frame);
    for (auto& frame : others)
      enqueue(frame);
    live_ = true;
  }

  /// A frame of `kind` (its body's "type") read from storage.
  event_frame frame_of(frame_kind kind, json body) const {
    body["type"] = to_string(kind);
    event_frame frame;
    frame.org_id = what_.org_id;
    frame.run_id = what_.run_id;
    frame.kind = kind;
    frame.text = std::make_shared<const std::string>(safe_dump(body));
    return frame;
  }

  void on_event(const event_frame& frame) {
    if (live_)
      enqueue(frame);
    else
      buffered_.push_back(frame);
  }

  void enqueue(const event_frame& frame) {
    if (closing_)
      return;
    if (frame.kind == frame_kind::log) {
      // Each line is sent once: stored and live (or a replayed backlog and
      // live) may overlap.
      auto& last = last_seq_[frame.run_id];
      if (frame.seq <= last)
        return;
      last = frame.seq;
    } else if (frame.kind == frame_kind::progress) {
      // Latest percent wins: replace a waiting frame of the same task.
      for (size_t i = writing_ ? 1 : 0; i < queue_.size(); ++i)
        if (queue_[i].kind == frame_kind::progress
            && queue_[i].run_id == frame.run_id
            && queue_[i].task == frame.task) {
          queue_[i] = frame;
          metrics::server().frames_dropped.get().inc();
          return;
        }
    }
    if (queue_.size() >= queue_limit + backlog_allowance_)
      return close_too_slow();
    queue_.push_back(frame);
    if (!writing_)
      do_write();
  }

  void do_write() {
    writing_ = true;
    auto& front = queue_.front();
    ws_.text(true);
    ws_.async_write(asio::buffer(*front.text),
                    beast::bind_front_handler(&websocket_session::on_write,
                                              shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec)
      return;
    metrics::server().frames_sent.get().inc();
    if (queue_.front().kind == frame_kind::log)
      delivered_seq_ = std::max(delivered_seq_, queue_.front().seq);
    queue_.pop_front();
    if (closing_)
      return send_close();
    if (backlog_allowance_ > 0)
      --backlog_allowance_;
    if (!queue_.empty() && !closing_)
      do_write();
  }

  /// A client that falls too far behind is told so and disconnected; it
  /// reconnects with `after` and misses nothing.
  void close_too_slow() {
    metrics::server().slow_clients_closed.get().inc();
    closing_ = true;
    if (!writing_)
      send_close(); // else on_write closes: one write at a time in Beast
  }

  void send_close() {
    metrics::server().frames_dropped.get().inc(queue_.size());
    queue_.clear();
    websocket::close_reason reason{
      websocket::close_code::policy_error,
      "client too slow; reconnect with after=" + std::to_string(delivered_seq_)};
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
  }

  void do_read() {
    ws_.async_read(read_buffer_,
                   beast::bind_front_handler(&websocket_session::on_read,
                                             shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return; // closed, timed out (no pong) or broken: the session ends
    read_buffer_.consume(read_buffer_.size()); // clients have nothing to say
    do_read();
  }

  websocket::stream<beast::tcp_stream> ws_;
  core& core_;
  fair_share& shares_;
  event_stream_request what_;
  std::shared_ptr<void> connection_ticket_;  // counts this connection
  bhttp_request upgrade_;
  beast::flat_buffer read_buffer_;
  uint64_t subscription_ = 0;
  bool live_ = false;
  std::vector<event_frame> buffered_;  // live frames before the backlog
  std::deque<event_frame> queue_;      // front is being written
  size_t backlog_allowance_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  std::map<int64_t, int64_t> last_seq_;  // by run
  int64_t delivered_seq_;
};

} // namespace

void start_websocket_session(
  tcp::socket&& socket, core& c, fair_share& shares,
  event_stream_request what,
  beast::http::request<beast::http::string_body> upgrade,
  std::shared_ptr<void> connection_ticket) {
  std::make_shared<websocket_session>(std::move(socket), c, shares,
                                      std::move(what),
                                      std::move(connection_ticket))
    ->run(std::move(upgrade));
}

} // namespace downhill::http
