#include "http/server.hpp"

#include "http/body_budget.hpp"
#include "http/connection_limits.hpp"
#include "http/fair_share.hpp"
#include "http/request_adapter.hpp"
#include "http/request_log.hpp"
#include "http/router.hpp"
#include "actors/server_log.hpp"
#include "http/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <array>
#include <sstream>
#include <atomic>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

namespace downhill::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

/// How long a connection may sit between requests, and how long a client
/// may take to send a request's headers or body.
constexpr auto idle_timeout = std::chrono::seconds(60);
constexpr auto request_timeout = std::chrono::seconds(30);
constexpr size_t header_limit = 16 * 1024;
constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr size_t drain_limit = 1024 * 1024;

rate_limited_log malformed_log{"malformed HTTP request"};
rate_limited_log refused_log{"connection refused"};
rate_limited_log accept_log{"accept failed"};
rate_limited_log network_log{"connection error"};

/// Errors that only mean the peer went away or was too slow.
bool is_disconnect(beast::error_code ec) {
  return ec == asio::error::operation_aborted
         || ec == bhttp::error::end_of_stream
         || ec == bhttp::error::partial_message || ec == beast::error::timeout
         || ec == asio::error::eof || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe;
}

api_response too_large(size_t limit) {
  return error_response(make_error(
    error_code::payload_too_large,
    "The body is larger than the " + std::to_string(limit / 1024)
      + " KiB this route accepts."));
}

/// The answer to a request Beast could not parse, where HTTP allows one.
api_response malformed_answer(beast::error_code ec) {
  if (ec == bhttp::error::header_limit)
    return error_response(make_error(
      error_code::header_too_large,
      "The request's headers are larger than the "
        + std::to_string(header_limit / 1024) + " KiB this server accepts."));
  if (ec == bhttp::error::bad_version)
    return error_response(
      make_error(error_code::version_not_supported,
                 "This server speaks HTTP/1.0 and HTTP/1.1 only."));
  return error_response(make_error(
    error_code::bad_request, "The request is not valid HTTP/1.1 ("
                               + ec.message() + ")."));
}

/// An answer as it goes on the wire: its status line from its status, the
/// headers every answer carries. Every answer, a refused connection's too,
/// is written from this.
bhttp::response<bhttp::string_body> wire_response(api_response response,
                                                  unsigned version,
                                                  bool keep_alive) {
  bhttp::response<bhttp::string_body> res{
    static_cast<bhttp::status>(response.status), version};
  res.set(bhttp::field::server, "downhill");
  if (response.status == http_status(error_code::too_many_requests))
    res.set(bhttp::field::retry_after, "1");
  if (response.status != 204) {
    res.set(bhttp::field::content_type, response.content_type);
    res.body() = std::move(response.body);
  }
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

/// What every connection of a server shares.
struct session_context {
  const router& routes;
  fair_share& shares;
  body_budget& bodies;
  const std::atomic<bool>& stopping;  // answer 503 to new requests
};

/// One HTTP connection: read a request's headers, check its route and token,
/// read its body (bounded by the route), hand it to the pool under its
/// organization's share, write the answer; repeat while kept alive.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, const session_context& context,
               std::shared_ptr<void> ticket)
    : stream_(std::move(socket)), routes_(context.routes),
      shares_(context.shares), bodies_(context.bodies),
      stopping_(context.stopping), ticket_(std::move(ticket)) {
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::do_read_header,
                                             shared_from_this()));
  }

private:
  void do_read_header() {
    route_ = nullptr;
    matched_ = nullptr;
    request_ = api_request{};
    body_hold_.reset();
    body_unread_ = false;
    header_parser_.emplace();
    header_parser_->header_limit(header_limit);
    // The body's limit depends on the route: checked once it is known.
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(idle_timeout);
    bhttp::async_read_header(
      stream_, buffer_, *header_parser_,
      beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  /// The route and the token are checked here, on the headers: a request
  /// that will be refused never gets its body read into memory.
  void on_header(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_error(ec);
    started_ = std::chrono::steady_clock::now();
    try {
      auto& header = header_parser_->get();
      version_ = header.version();
      keep_alive_ = header.keep_alive();
      request_ = request_from_header(header);
      auto decided = routes_.authorize(request_);
      matched_ = decided.matched;
      if (decided.error)
        return refuse_unread(error_response(decided.error));
      route_ = decided.found;
    } catch (const std::exception& e) {
      return refuse_unread(error_response(
        make_error(error_code::internal, std::string{"headers: "} + e.what())));
    }
    if (stopping_)
      return refuse_unread(error_response(make_error(
        error_code::unavailable, "The server is stopping; retry shortly.")));
    // Beast checks a declared Content-Length against the limit while it
    // parses the headers, before the route is known: check it here.
    auto declared = header_parser_->content_length().value_or(0);
    if (declared > route_->body_limit)
      return refuse_unread(too_large(route_->body_limit));
    // The body's bytes count against the organization's budget until the
    // answer is sent.
    auto bytes = header_parser_->chunked() ? route_->body_limit : declared;
    if (bytes > 0 && route_->needs != access::anyone) {
      body_hold_ = bodies_.take(organization_key(), bytes);
      if (!body_hold_)
        return refuse_unread(too_many_requests());
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    body_parser_->body_limit(route_->body_limit);  // chunked bodies
    stream_.expires_after(request_timeout);
    bhttp::async_read(
      stream_, buffer_, *body_parser_,
      beast::bind_front_handler(&http_session::on_body, shared_from_this()));
  }

  /// Answers without reading the request's body (if it has one). The
  /// connection cannot be reused after an unread body, and it is closed
  /// gently: see drain().
  void refuse_unread(api_response answer) {
    if (header_parser_ && (header_parser_->content_length().value_or(0) > 0
                           || header_parser_->chunked()))
      body_unread_ = true;
    keep_alive_ = false;
    send(std::move(answer));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_error(ec);
    auto request = body_parser_->release();
    body_parser_.reset();
    request_.body = std::move(request.body());
    if (websocket::is_upgrade(request) && is_event_stream(*route_))
      return upgrade(std::move(request));
    if (route_->needs == access::anyone) {
      // The health check and the dashboard's files are constant answers:
      // served here, so they keep answering while the pool is busy.
      return send(routes_.dispatch(*route_, request_));
    }
    if (stopping_)
      return send(error_response(make_error(
        error_code::unavailable, "The server is stopping; retry shortly.")));
    auto key = organization_key();
    bool queued = shares_.submit(key, [self = shared_from_this()] {
      auto response = self->routes_.dispatch(*self->route_, self->request_);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable {
                   self->send(std::move(response));
                 });
    });
    if (!queued)
      send(too_many_requests());
  }

  /// A failed read: a disconnect ends the session quietly; anything else
  /// was malformed HTTP and gets an answer, then the connection closes.
  void on_read_error(beast::error_code ec) {
    if (is_disconnect(ec)) {
      if (ec != bhttp::error::end_of_stream && ec != asio::error::eof
          && ec != asio::error::operation_aborted)
        network_log.event(ec.message());
      return;
    }
    if (ec != bhttp::error::body_limit)
      malformed_log.event(ec.message());
    keep_alive_ = false;
    body_unread_ = true;  // whatever the client still sends is dropped
    if (version_ != 10 && version_ != 11)
      version_ = 11;
    if (ec == bhttp::error::body_limit)
      return send(too_large(route_ ? route_->body_limit : 0));
    send(malformed_answer(ec));
  }

  static bool is_event_stream(const route& r) {
    auto& p = r.pattern;
    return p.size() >= 7 && p.compare(p.size() - 7, 7, "/events") == 0;
  }

  /// Requests for one organization share its slots: the organization in
  /// the path, else the caller's own (the admin has a key of its own).
  std::string organization_key() const {
    auto org = request_.params.find("org");
    if (org != request_.params.end())
      return org->second;
    return request_.caller.admin ? std::string{"(admin)"}
                                 : request_.caller.org_id;
  }

  api_response too_many_requests() const {
    return error_response(make_error(
      error_code::too_many_requests,
      "This organization has too many requests in progress; retry shortly."));
  }

  /// A WebSocket upgrade: checked on the pool (the run must exist), then
  /// the connection becomes an event stream.
  void upgrade(bhttp::request<bhttp::string_body> request) {
    auto self = shared_from_this();
    bool queued = shares_.submit(
      organization_key(),
      [self, request = std::move(request)]() mutable {
        stream_check checked;
        try {
          checked = self->routes_.check_stream(self->request_);
        } catch (const std::exception& e) {
          checked.error = make_error(
            error_code::internal, std::string{"event stream: "} + e.what());
        }
        asio::post(self->stream_.get_executor(),
                   [self, checked = std::move(checked),
                    request = std::move(request)]() mutable {
                     self->on_upgrade_checked(std::move(checked),
                                              std::move(request));
                   });
      });
    if (!queued) {
      keep_alive_ = false;
      send(too_many_requests());
    }
  }

  void on_upgrade_checked(stream_check checked,
                          bhttp::request<bhttp::string_body> request) {
    if (checked.error) {
      keep_alive_ = false;
      return send(error_response(checked.error));
    }
    start_websocket_session(stream_.release_socket(), routes_.owner(), shares_,
                            std::move(checked.stream), std::move(request),
                            std::move(ticket_));
  }

  void send(api_response response) {
    if (!request_.method.empty())  // its headers were read
      log_request(request_, route_ ? route_ : matched_, response,
                  std::chrono::steady_clock::now() - started_);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      wire_response(std::move(response), version_, keep_alive_));
    stream_.expires_after(request_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec,
                                                        std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      if (!is_disconnect(ec))
        network_log.event(ec.message());
      return;
    }
    body_hold_.reset();  // the answer is out: the body's bytes are free
    if (!keep_alive_) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (body_unread_)
        drain();
      return;
    }
    do_read_header();
  }

  /// Closing a socket with unread bytes makes the kernel send a reset,
  /// which can destroy the answer before the client reads it. So the rest
  /// of an unread body is read and dropped, for at most a short while and a
  /// bounded number of bytes, before the connection closes.
  void drain() {
    if (drained_ >= drain_limit)
      return;
    stream_.expires_after(drain_timeout);
    stream_.async_read_some(
      asio::buffer(drain_buffer_),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drained_ += n;
        if (!ec)
          self->drain();
      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  const router& routes_;
  fair_share& shares_;
  body_budget& bodies_;
  const std::atomic<bool>& stopping_;
  std::shared_ptr<void> ticket_;  // counts this connection against the caps
  api_request request_;           // the request being served
  const route* route_ = nullptr;
  const route* matched_ = nullptr;  // matched, even if refused (for the log)
  std::chrono::steady_clock::time_point started_;  // its headers read
  std::shared_ptr<void> body_hold_;  // its body's bytes in the budget
  bool body_unread_ = false;
  size_t drained_ = 0;
  std::array<char, 16 * 1024> drain_buffer_{};
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

/// Accepts connections within the caps and starts a session for each.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& ioc, tcp::endpoint endpoint,
           const session_context& context,
           std::shared_ptr<connection_limits> limits)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)),
      // The timers run on the acceptor's strand: their handlers touch it.
      retry_timer_(acceptor_.get_executor()),
      trim_timer_(acceptor_.get_executor()), context_(context),
      limits_(std::move(limits)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void run() {
    do_accept();
    schedule_trim();
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
      self->trim_timer_.cancel();
    });
  }

private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec)
      return back_off(ec);
    retry_delay_ = std::chrono::milliseconds(0);
    admit(std::move(socket));
    do_accept();
  }

  /// Out of file descriptors (or memory), accept fails at once for as long
  /// as the condition lasts: retrying at once would spin a core and flood
  /// the log. Wait, longer each time up to a second, while the connections
  /// already open are served as usual.
  void back_off(beast::error_code ec) {
    accept_log.event(ec.message() + "; open connections "
                     + std::to_string(limits_->open()));
    retry_delay_ = std::min<std::chrono::milliseconds>(
      std::max(retry_delay_ * 2, std::chrono::milliseconds(10)),
      std::chrono::seconds(1));
    retry_timer_.expires_after(retry_delay_);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e)
        self->do_accept();
    });
  }

  void admit(tcp::socket socket) {
    beast::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    auto address = ec ? std::string{"?"} : peer.address().to_string();
    connection_limits::verdict why{};
    auto ticket = limits_->admit(address, why);
    if (ticket) {
      std::make_shared<http_session>(std::move(socket), context_,
                                     std::move(ticket))
        ->run();
      return;
    }
    refused_log.event(why == connection_limits::verdict::server_full
                        ? "the server is at its connection limit"
                        : "too many connections from " + address);
    refuse(std::move(socket), why);
  }

  /// Tells a refused client why in one best-effort write (never blocks: the
  /// kernel's send buffer takes a few hundred bytes), then closes.
  static void refuse(tcp::socket socket, connection_limits::verdict why) {
    auto answer = wire_response(
      error_response(
        why == connection_limits::verdict::server_full
          ? make_error(error_code::unavailable,
                       "The server has too many connections; retry shortly.")
          : make_error(error_code::too_many_requests,
                       "Too many connections from your address; close some "
                       "and retry.")),
      11, false);
    // Both ask the client to come back; a 503 says when, like a 429.
    answer.set(bhttp::field::retry_after, "1");
    std::ostringstream wire;
    wire << answer;
    auto text = wire.str();
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(text), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  /// Gives freed memory back to the system once load has passed: glibc
  /// keeps freed heap pages of its per-thread arenas otherwise, and a burst
  /// of connections would leave the server's RSS high for good.
  void schedule_trim() {
    trim_timer_.expires_after(std::chrono::seconds(5));
    trim_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (e)
        return;
      auto closed = self->limits_->closed();
      if (closed != self->closed_at_last_trim_) {
        self->closed_at_last_trim_ = closed;
        malloc_trim(0);
      }
      self->schedule_trim();
    });
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::steady_timer trim_timer_;
  const session_context& context_;
  std::shared_ptr<connection_limits> limits_;
  std::chrono::milliseconds retry_delay_{0};
  uint64_t closed_at_last_trim_ = 0;
};

/// Sets the process's file descriptor limit: to `wanted` if given, else
/// as high as the hard limit allows (connections and data files both need
/// descriptors, and the soft default of 1024 is far below what a server
/// holds). Returns the limit now in force.
rlim_t set_open_file_limit(size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  limit.rlim_cur = wanted != 0 ? std::min<rlim_t>(wanted, limit.rlim_max)
                               : limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

/// The connection cap when none is given: what the descriptor limit
/// allows after a reserve for everything else that holds descriptors (the
/// open content stores, at most --max-store-files (1024) of them together,
/// the control plane's readers and writer three each, the log, the lock
/// file).
size_t default_max_connections(rlim_t open_files) {
  if (open_files == RLIM_INFINITY)
    return 65536;
  rlim_t reserve = std::min<rlim_t>(1024, open_files / 2);
  return static_cast<size_t>(std::min<rlim_t>(open_files - reserve, 65536));
}

} // namespace

struct server::impl {
  impl(core& c, server_options opts)
    : options(std::move(opts)), routes(c, options.admin_token_hash),
      limits(std::make_shared<connection_limits>(
        options.max_connections != 0
          ? options.max_connections
          : default_max_connections(
            set_open_file_limit(options.max_open_files)),
        options.max_connections_per_address)),
      bodies(std::make_shared<body_budget>(options.body_bytes_per_organization,
                                           options.body_bytes_in_all)),
      pool(options.worker_threads),
      shares(pool, options.per_organization_running,
             options.per_organization_waiting),
      context{routes, shares, *bodies, stopping} {
    if (options.max_connections != 0)
      set_open_file_limit(options.max_open_files);
    add_api_routes(routes, options.body_limit);
  }

  server_options options;
  router routes;
  std::shared_ptr<connection_limits> limits;
  std::shared_ptr<body_budget> bodies;
  // The network's io_context outlives the pool: work still queued in the
  // pool when it is destroyed holds sessions whose sockets belong to it.
  asio::io_context ioc;
  asio::thread_pool pool;
  fair_share shares;
  std::atomic<bool> stopping{false};
  session_context context;
  // Signals are caught from start(): a SIGTERM that arrives right after
  // the server says it listens still stops it gracefully.
  asio::io_context signals_ioc;
  std::optional<asio::signal_set> signals;
  std::shared_ptr<listener> accept;
  std::vector<std::thread> threads;
};

server::server(core& c, server_options options)
  : impl_(std::make_unique<impl>(c, std::move(options))) {
}

server::~server() {
  stop();
}

uint16_t server::start() {
  auto& o = impl_->options;
  impl_->signals.emplace(impl_->signals_ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([](beast::error_code, int) {});
  tcp::endpoint endpoint{asio::ip::make_address(o.host), o.port};
  impl_->accept = std::make_shared<listener>(impl_->ioc, endpoint,
                                             impl_->context, impl_->limits);
  impl_->accept->run();
  for (unsigned i = 0; i < o.io_threads; ++i)
    impl_->threads.emplace_back([this] {
      // A handler that throws must not take the network thread (and the
      // process) with it: log it and keep running.
      for (;;) {
        try {
          impl_->ioc.run();
          return;
        } catch (const std::exception& e) {
          log_line(log_level::error,
                   std::string{"network thread: "} + e.what());
        } catch (...) {
          log_line(log_level::error, "network thread: unknown exception");
        }
      }
    });
  return impl_->accept->port();
}

void server::wait_for_signal() {
  impl_->signals_ioc.run();
}

void server::stop() {
  if (impl_->threads.empty())
    return;
  // New requests get 503 from here on, so the pool's work ends even while
  // clients keep their connections busy; the requests in flight finish.
  impl_->stopping = true;
  impl_->accept->stop();
  impl_->pool.join();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

} // namespace downhill::http
