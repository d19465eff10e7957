#include "http/websocket_session.hpp"

#include "actors/clock.hpp"
#include "actors/frame_text.hpp"
#include "http/fair_share.hpp"
#include "http/websocket_wire.hpp"
#include "actors/server_log.hpp"
#include "metrics/server_metrics.hpp"
#include "persistence/control_plane.hpp"
#include "persistence/record_json.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace downhill::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

/// Frames a session may have waiting beyond its initial backlog before it
/// counts as too slow: it is then closed (1008) rather than buffered.
constexpr size_t queue_limit = 256;

/// Frames the hub may hand a session before its strand takes them: far
/// beyond what a healthy session holds (it takes them in batches), a bound
/// for one whose strand does not run.
constexpr size_t inbox_limit = 4096;

/// Frames written in one gather write (one system call for many frames:
/// a client that is behind catches up in a few writes, not one per frame).
constexpr size_t write_batch = 64;

/// Clients have nothing to say on an event stream; a message larger than
/// this is refused (1009) instead of buffered.
constexpr size_t client_message_limit = 4096;

/// Nothing read for `ping_after`: the server pings; nothing read for
/// `idle_limit`: the connection is dead (a pong counts as read).
constexpr auto ping_after = std::chrono::seconds(30);
constexpr auto idle_limit = std::chrono::seconds(60);
constexpr auto idle_check = std::chrono::seconds(10);

/// How long a close handshake may take before the connection is dropped.
constexpr auto close_limit = std::chrono::seconds(30);

/// The counter of frames written, looked up once (get() locks its family,
/// and every session's every write counts).
metrics::counter& frames_sent_counter() {
  static auto& counter = metrics::server().frames_sent.get();
  return counter;
}

/// One frame waiting to be written: a shared event frame, or a control
/// frame of this session (close, ping, pong).
struct outgoing {
  shared_frame frame;
  wire::opcode op = wire::text;
  std::string control;

  const std::string& payload() const { return frame ? *frame->text : control; }
};

class websocket_session
  : public std::enable_shared_from_this<websocket_session> {
  using bhttp_request = beast::http::request<beast::http::string_body>;

public:
  websocket_session(tcp::socket&& socket, core& c, fair_share& shares,
                    event_stream_request what,
                    std::shared_ptr<void> connection_ticket)
    : executor_(socket.get_executor()), socket_(executor_),
      idle_timer_(executor_), close_timer_(executor_),
      handshake_(std::in_place, std::move(socket)), core_(c),
      shares_(shares), what_(std::move(what)),
      connection_ticket_(std::move(connection_ticket)),
      reader_(client_message_limit), delivered_seq_(what_.after) {
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
    auto& ws = *handshake_;
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeouts{
      std::chrono::seconds(30),  // handshake
      websocket::stream_base::none(), false};
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) {
        res.set(beast::http::field::server, "downhill");
      }));
    // A small kernel buffer makes a stalled client visible to the queue
    // limit soon, instead of after megabytes.
    beast::error_code ignored;
    ws.next_layer().socket().set_option(
      asio::socket_base::send_buffer_size(64 * 1024), ignored);
    upgrade_ = std::move(upgrade);
    ws.async_accept(upgrade_, beast::bind_front_handler(
                                &websocket_session::on_accept,
                                shared_from_this()));
  }

  /// Called on the event hub's thread: hands the frame over and wakes the
  /// strand only if it is not already due to take the inbox.
  void hand_over(const shared_frame& frame) {
    std::lock_guard lock{inbox_mutex_};
    if (inbox_.size() >= inbox_limit) {
      inbox_overflowed_ = true;
      return;
    }
    inbox_.push_back(frame);
    if (inbox_posted_)
      return;
    inbox_posted_ = true;
    asio::post(executor_, [self = shared_from_this()] { self->take_inbox(); });
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return;
    // Beast did the upgrade; the stream's frames are written here, many
    // in one write (websocket_wire.hpp).
    socket_ = handshake_->next_layer().release_socket();
    handshake_.reset();
    last_read_ = steady::now();
    std::weak_ptr<websocket_session> weak = shared_from_this();
    subscription_ = core_.subscribe_events(
      what_.org_id, what_.run_id, what_.after,
      [weak](const shared_frame& frame) {
        if (auto self = weak.lock())
          self->hand_over(frame);
      });
    if (what_.run_id == 0)
      live_ = true;
    else
      load_stored();
    do_read();
    arm_idle_check();
  }

  void take_inbox() {
    bool overflowed = false;
    {
      std::lock_guard lock{inbox_mutex_};
      taking_.swap(inbox_);
      inbox_posted_ = false;
      overflowed = inbox_overflowed_;
    }
    for (auto& frame : taking_)
      on_event(frame);
    taking_.clear();
    if (overflowed)
      close_too_slow();
    do_write();
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
      asio::post(self->executor_,
                 [self, loaded, summary = std::move(summary),
                  logs = std::move(logs)]() mutable {
                   if (!loaded)
                     return self->close_for_retry();
                   self->on_stored(std::move(summary), std::move(logs));
                 });
    });
    if (!queued)
      asio::post(executor_, [self] { self->close_for_retry(); });
  }

  /// The stored part of the stream could not be read (the organization is
  /// busy, or storage failed): going live would leave a gap, so the client
  /// is told to come back with the same `after`.
  void close_for_retry() {
    close_with(wire::try_again_later,
               "busy; reconnect with after=" + std::to_string(delivered_seq_));
  }

  /// Stored and buffered live frames meet here: logs are merged by their
  /// number, so the seam has no gap (the hub replayed what the database
  /// may not hold yet) and no duplicate (each number is sent once).
  void on_stored(json summary, std::vector<persistence::log_record> logs) {
    backlog_allowance_ = logs.size() + buffered_.size();
    if (!summary.is_null())
      enqueue(frame_of(frame_kind::run, json{{"run", summary}}));
    std::map<int64_t, shared_frame> merged;
    for (auto& log : logs) {
      auto body = persistence::log_json(log);
      body["run_id"] = std::to_string(what_.run_id);
      merged.emplace(log.seq,
                     frame_of(frame_kind::log, std::move(body), log.seq));
    }
    std::vector<shared_frame> others;
    for (auto& frame : buffered_) {
      if (frame->kind == frame_kind::log)
        merged.emplace(frame->seq, frame);
      else
        others.push_back(frame);
    }
    buffered_.clear();
    for (auto& [seq, frame] : merged)
      enqueue(frame);
    for (auto& frame : others)
      enqueue(frame);
    live_ = true;
    do_write();
  }

  /// A frame of `kind` (its body's "type") read from storage.
  shared_frame frame_of(frame_kind kind, json body, int64_t seq = 0) const {
    event_frame frame;
    frame.org_id = what_.org_id;
    frame.run_id = what_.run_id;
    frame.kind = kind;
    frame.seq = seq;
    frame.text = frame_text(kind, std::move(body));
    return std::make_shared<const event_frame>(std::move(frame));
  }

  void on_event(const shared_frame& frame) {
    if (live_)
      enqueue(frame);
    else
      buffered_.push_back(frame);
  }

  /// Queues a frame; the caller starts the write (do_write), so that a
  /// batch of frames goes out in one.
  void enqueue(const shared_frame& frame) {
    if (closing_)
      return;
    if (frame->kind == frame_kind::log) {
      // Each line is sent once: stored and live (or a replayed backlog and
      // live) may overlap.
      auto& last = last_seq_[frame->run_id];
      if (frame->seq <= last)
        return;
      last = frame->seq;
    } else if (frame->kind == frame_kind::progress) {
      // Latest percent wins: replace a waiting frame of the same task.
      for (size_t i = in_flight_; i < queue_.size(); ++i) {
        auto& waiting = queue_[i].frame;
        if (waiting && waiting->kind == frame_kind::progress
            && waiting->run_id == frame->run_id
            && waiting->task == frame->task) {
          waiting = frame;
          metrics::server().frames_dropped.get().inc();
          return;
        }
      }
    }
    if (queue_.size() >= queue_limit + backlog_allowance_)
      return close_too_slow();
    queue_.push_back(outgoing{frame});
  }

  /// Writes the frames at the front of the queue, up to a batch, in one
  /// gather write: each frame's payload is the shared text itself, only
  /// its few header bytes are this session's.
  void do_write() {
    if (writing_ || queue_.empty() || done_)
      return;
    auto count = std::min(queue_.size(), write_batch);
    headers_.clear();
    headers_.reserve(count);  // the buffers point into it
    buffers_.clear();
    for (size_t i = 0; i < count; ++i) {
      auto& out = queue_[i];
      auto& payload = out.payload();
      headers_.push_back(wire::header_of(out.op, payload.size()));
      buffers_.emplace_back(headers_.back().bytes.data(),
                            headers_.back().size);
      buffers_.emplace_back(payload.data(), payload.size());
      if (out.op == wire::close) {
        count = i + 1;  // nothing is sent after a close
        break;
      }
    }
    in_flight_ = count;
    writing_ = true;
    asio::async_write(socket_, buffers_,
                      beast::bind_front_handler(&websocket_session::on_write,
                                                shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec)
      return shut();
    uint64_t frames = 0;
    for (size_t i = 0; i < in_flight_; ++i) {
      auto& out = queue_.front();
      if (out.frame && out.frame->kind == frame_kind::log)
        delivered_seq_ = std::max(delivered_seq_, out.frame->seq);
      if (out.op == wire::close)
        close_sent_ = true;
      else if (backlog_allowance_ > 0)
        --backlog_allowance_;
      if (out.frame)
        ++frames;
      queue_.pop_front();
    }
    in_flight_ = 0;
    // Once per write: a family's get() takes its lock.
    frames_sent_counter().inc(frames);
    if (close_sent_) {
      // The close handshake ends with the client's close frame, or at
      // once when the client already sent one or must not be read.
      if (close_received_ || !reading_)
        shut();
      return;
    }
    do_write();
  }

  /// A client that falls too far behind is told so and disconnected; it
  /// reconnects with `after` and misses nothing.
  void close_too_slow() {
    metrics::server().slow_clients_closed.get().inc();
    close_with(wire::policy_error, "client too slow; reconnect with after="
                                     + std::to_string(delivered_seq_));
  }

  /// Drops what is waiting (not what is being written), queues a close
  /// frame and bounds the close handshake in time.
  void close_with(uint16_t code, const std::string& reason) {
    if (closing_ || done_)
      return;
    closing_ = true;
    metrics::server().frames_dropped.get().inc(queue_.size() - in_flight_);
    queue_.resize(in_flight_);
    queue_.push_back(
      outgoing{nullptr, wire::close, wire::close_payload(code, reason)});
    close_timer_.expires_after(close_limit);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->shut();
    });
    do_write();
  }

  /// Ends the connection; the pending operations end with errors and the
  /// session goes away with the last of them.
  void shut() {
    if (done_)
      return;
    done_ = true;
    idle_timer_.cancel();
    close_timer_.cancel();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void do_read() {
    reading_ = true;
    socket_.async_read_some(
      asio::buffer(read_chunk_),
      beast::bind_front_handler(&websocket_session::on_read,
                                shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t size) {
    reading_ = false;
    if (ec)
      return shut();  // closed or broken: the session ends
    last_read_ = steady::now();
    reader_.feed(read_chunk_.data(), size);
    wire::client_frame frame;
    for (;;) {
      switch (reader_.next(frame)) {
      case wire::client_reader::result::need_more:
        return do_read();
      case wire::client_reader::result::too_big:
        // Not read further: the close goes out, then the connection ends.
        return close_with(wire::too_big, "message too big");
      case wire::client_reader::result::bad_frame:
        return close_with(wire::protocol_error, "protocol error");
      case wire::client_reader::result::frame:
        break;
      }
      if (frame.op == wire::close) {
        close_received_ = true;
        if (close_sent_)
          return shut();
        return close_with(echoed_close_code(frame.payload), "");
      }
      if (frame.op == wire::ping && !closing_) {
        queue_.push_back(outgoing{nullptr, wire::pong, frame.payload});
        do_write();
      }
      // Pongs only prove the client alive; data is ignored (clients have
      // nothing to say).
    }
  }

  /// The code a client's close frame carried, if the server may send it
  /// back; else 1000.
  static uint16_t echoed_close_code(const std::string& payload) {
    if (payload.size() < 2)
      return wire::normal;
    auto code = static_cast<uint16_t>(
      (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
    bool sendable = (code >= 1000 && code <= 1003)
                    || (code >= 1007 && code <= 1014)
                    || (code >= 3000 && code <= 4999);
    return sendable ? code : wire::normal;
  }

  /// A quiet client is pinged; one quiet for too long is dead.
  void arm_idle_check() {
    idle_timer_.expires_after(idle_check);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->done_)
        return;
      auto quiet = steady::now() - self->last_read_;
      if (quiet >= idle_limit)
        return self->shut();
      if (quiet >= ping_after && !self->closing_) {
        self->queue_.push_back(outgoing{nullptr, wire::ping, {}});
        self->do_write();
      }
      self->arm_idle_check();
    });
  }

  asio::any_io_executor executor_;  // the session's strand
  tcp::socket socket_;              // after the upgrade
  asio::steady_timer idle_timer_;
  asio::steady_timer close_timer_;
  std::optional<websocket::stream<beast::tcp_stream>> handshake_;
  core& core_;
  fair_share& shares_;
  event_stream_request what_;
  std::shared_ptr<void> connection_ticket_;  // counts this connection
  bhttp_request upgrade_;
  uint64_t subscription_ = 0;

  std::mutex inbox_mutex_;  // the hub's thread hands frames over
  std::vector<shared_frame> inbox_;
  bool inbox_posted_ = false;
  bool inbox_overflowed_ = false;
  std::vector<shared_frame> taking_;  // the inbox being taken, reused

  bool live_ = false;
  std::vector<shared_frame> buffered_;  // live frames before the backlog
  std::deque<outgoing> queue_;          // the first in_flight_ are written
  size_t in_flight_ = 0;
  std::vector<wire::frame_header> headers_;     // of the write in flight
  std::vector<asio::const_buffer> buffers_;     // of the write in flight
  size_t backlog_allowance_ = 0;
  bool writing_ = false;
  bool closing_ = false;      // a close frame is queued
  bool close_sent_ = false;
  bool close_received_ = false;
  bool reading_ = false;
  bool done_ = false;         // the socket is closed
  std::map<int64_t, int64_t> last_seq_;  // by run
  int64_t delivered_seq_;

  std::array<char, 4096> read_chunk_;
  wire::client_reader reader_;
  steady::time_point last_read_;
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
