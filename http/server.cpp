#include "http/server.hpp"

#include "http/router.hpp"
#include "http/url.hpp"
#include "http/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <iostream>
#include <thread>
#include <vector>

namespace downhill::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);

void fail(beast::error_code ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == bhttp::error::end_of_stream
      || ec == beast::error::timeout)
    return;
  std::cerr << "downhill: http " << what << ": " << ec.message() << "\n";
}

api_request to_api_request(const bhttp::request<bhttp::string_body>& req) {
  api_request out;
  out.method = std::string{req.method_string()};
  split_target(std::string{req.target()}, out.path, out.query);
  out.body = req.body();
  auto auth = req[bhttp::field::authorization];
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size()
      && std::string_view{auth.data(), bearer.size()} == bearer)
    out.bearer_token = std::string{auth.substr(bearer.size())};
  return out;
}

/// One HTTP connection: read a request, hand it to the pool, write the
/// answer, repeat while the client keeps the connection alive.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, const router& routes,
               asio::thread_pool& pool, size_t body_limit)
    : stream_(std::move(socket)), routes_(routes), pool_(pool),
      body_limit_(body_limit) {
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::do_read,
                                             shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&http_session::on_read,
                                                shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::body_limit) {
      api_response too_large{413,
                             R"({"error":{"code":"payload_too_large",)"
                             R"("message":"The body is larger than the )"
                               + std::to_string(body_limit_)
                               + R"( bytes this server accepts."}})"};
      keep_alive_ = false;
      return send(std::move(too_large));
    }
    if (ec)
      return fail(ec, "read");
    auto request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    if (websocket::is_upgrade(request))
      return upgrade(std::move(request));
    // The handler may wait on SQLite or on an actor: never on this thread.
    asio::post(pool_, [self = shared_from_this(),
                       api = to_api_request(request)]() mutable {
      auto response = self->routes_.dispatch(api);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable {
                   self->send(std::move(response));
                 });
    });
  }

  /// A WebSocket upgrade: authenticated and checked on the pool (the run
  /// must exist), then the connection becomes an event stream.
  void upgrade(bhttp::request<bhttp::string_body> request) {
    auto api = to_api_request(request);
    if (api.bearer_token.empty() && api.query.count("token"))
      api.bearer_token = api.query["token"]; // browsers cannot set headers
    asio::post(pool_, [self = shared_from_this(), api = std::move(api),
                       request = std::move(request)]() mutable {
      event_stream_request what;
      std::optional<api_response> refused;
      try {
        refused = self->routes_.authorize(api);
        if (!refused)
          refused = self->routes_.check_stream(api, what);
      } catch (const std::exception& e) {
        refused = error_response(make_error(error_code::internal, e.what()));
      }
      asio::post(self->stream_.get_executor(),
                 [self, refused = std::move(refused), what = std::move(what),
                  request = std::move(request)]() mutable {
                   if (refused) {
                     self->keep_alive_ = false;
                     return self->send(std::move(*refused));
                   }
                   start_websocket_session(self->stream_.release_socket(),
                                           self->routes_.owner(), self->pool_,
                                           std::move(what), std::move(request));
                 });
    });
  }

  void send(api_response response) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(response.status), version_);
    res->set(bhttp::field::server, "downhill");
    if (response.status != 204) {
      res->set(bhttp::field::content_type, response.content_type);
      res->body() = std::move(response.body);
    }
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(idle_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec,
                                                        std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_write(beast::error_code ec) {
    if (ec)
      return fail(ec, "write");
    if (!keep_alive_) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    do_read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const router& routes_;
  asio::thread_pool& pool_;
  size_t body_limit_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

/// Accepts connections and starts a session for each.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(asio::io_context& ioc, tcp::endpoint endpoint, const router& routes,
           asio::thread_pool& pool, size_t body_limit)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), routes_(routes),
      pool_(pool), body_limit_(body_limit) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void run() { do_accept(); }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (ec)
      fail(ec, "accept");
    else
      std::make_shared<http_session>(std::move(socket), routes_, pool_,
                                     body_limit_)
        ->run();
    do_accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  const router& routes_;
  asio::thread_pool& pool_;
  size_t body_limit_;
};

} // namespace

struct server::impl {
  impl(core& c, server_options opts)
    : options(std::move(opts)), routes(c, options.admin_token),
      pool(options.worker_threads) {
    add_api_routes(routes);
  }

  server_options options;
  router routes;
  asio::thread_pool pool;
  asio::io_context ioc;
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
  tcp::endpoint endpoint{asio::ip::make_address(o.host), o.port};
  impl_->accept = std::make_shared<listener>(impl_->ioc, endpoint,
                                             impl_->routes, impl_->pool,
                                             o.body_limit);
  impl_->accept->run();
  for (unsigned i = 0; i < o.io_threads; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return impl_->accept->port();
}

void server::wait_for_signal() {
  asio::io_context signals_ioc;
  asio::signal_set signals{signals_ioc, SIGINT, SIGTERM};
  signals.async_wait([](beast::error_code, int) {});
  signals_ioc.run();
}

void server::stop() {
  if (impl_->threads.empty())
    return;
  impl_->accept->stop();
  impl_->pool.join();  // requests in flight finish
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

} // namespace downhill::http
