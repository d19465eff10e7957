#include "client/endpoint.hpp"

#include <boost/url/parse.hpp>

#include <stdexcept>

namespace downhill::client {

namespace urls = boost::urls;

endpoint parse_server_url(const std::string& url) {
  auto parsed = urls::parse_uri(url);
  if (!parsed)
    throw std::invalid_argument("'" + url + "' is not a URL ("
                                + parsed.error().message() + ")");
  auto& u = *parsed;
  if (u.scheme_id() != urls::scheme::http)
    throw std::invalid_argument("'" + url + "' is not an http:// URL");
  if (u.host_address().empty())
    throw std::invalid_argument("'" + url + "' names no host");
  if (!u.has_port())
    return {u.host_address(), 80};
  // The grammar makes the port digits; port_number() wraps past 65535.
  std::string digits = u.port();
  auto port = digits.empty() || digits.size() > 5 ? 0 : std::stoul(digits);
  if (port == 0 || port > 65535)
    throw std::invalid_argument("'" + url + "' has no valid port");
  return {u.host_address(), static_cast<uint16_t>(port)};
}

} // namespace downhill::client
