#include "client/http_client.hpp"

#include "client/connect.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace downhill::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

json response::data() const {
  if (body.empty())
    return nullptr;
  return json::parse(body);
}

std::string response::error_code() const {
  auto d = data();
  if (!d.is_object() || !d.contains("error"))
    return "";
  return d["error"].value("code", "");
}

response http_client::send(const std::string& method,
                           const std::string& target,
                           const std::string& body) const {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  connect(stream, server_);
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method),
                                         target, 11};
  req.set(bhttp::field::host, server_.host);
  if (!token_.empty())
    req.set(bhttp::field::authorization, "Bearer " + token_);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  // A server may answer (413) and stop reading before the whole body is
  // sent: the answer is still there to read.
  beast::error_code write_error;
  bhttp::write(stream, req, write_error);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buffer, parser);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  auto res = parser.release();
  return {static_cast<int>(res.result_int()), res.body()};
}

response http_client::get(const std::string& target) const {
  return send("GET", target, "");
}

response http_client::post(const std::string& target, const json& body) const {
  return send("POST", target, body.dump());
}

response http_client::put(const std::string& target, const json& body) const {
  return send("PUT", target, body.dump());
}

response http_client::del(const std::string& target) const {
  return send("DELETE", target, "");
}

} // namespace downhill::client
