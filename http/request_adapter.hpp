// From Beast's parsed request to the handlers' plain api_request: method,
// path, decoded query and bearer token. Only files that already carry Beast
// include this.
#pragma once

#include "http/api_types.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace downhill::http {

/// The request line and headers (no body). A WebSocket upgrade may carry
/// its token as `?token=` (browsers cannot set headers there).
api_request request_from_header(
  const boost::beast::http::request_header<>& header);

/// A whole request, body included.
api_request to_api_request(
  const boost::beast::http::request<boost::beast::http::string_body>& req);

} // namespace downhill::http
