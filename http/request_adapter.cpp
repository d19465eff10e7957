#include "http/request_adapter.hpp"

#include "http/url.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace downhill::http {

namespace bhttp = boost::beast::http;

api_request request_from_header(const bhttp::request_header<>& header) {
  api_request out;
  out.method = std::string{header.method_string()};
  split_target(std::string{header.target()}, out.path, out.query);
  auto auth = header[bhttp::field::authorization];
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size()
      && std::string_view{auth.data(), bearer.size()} == bearer)
    out.bearer_token = std::string{auth.substr(bearer.size())};
  if (out.bearer_token.empty() && boost::beast::websocket::is_upgrade(header)) {
    auto token = out.query.find("token");
    if (token != out.query.end())
      out.bearer_token = token->second;
  }
  return out;
}

api_request to_api_request(const bhttp::request<bhttp::string_body>& req) {
  auto out = request_from_header(req.base());
  out.body = req.body();
  return out;
}

} // namespace downhill::http
