#include "http/url.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace downhill::http {

namespace urls = boost::urls;

namespace {

/// What a query may hold unescaped (RFC 3986 3.4), less '%'.
constexpr auto query_chars = urls::pchars + '/' + '?' - '%';

/// Boost.URL decodes only text its grammar accepts, but clients send more:
/// spaces, bytes over 0x7f, a '%' without two hex digits. Such bytes stand
/// for themselves, so they are escaped before decoding.
std::string escape_stray_bytes(std::string_view text) {
  auto is_escape = [&](size_t i) {
    return text[i] == '%' && i + 2 < text.size()
           && urls::grammar::hexdig_chars(text[i + 1])
           && urls::grammar::hexdig_chars(text[i + 2]);
  };
  std::string out;
  size_t plain = 0;  // where the text since the last escape starts
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_escape(i))
      continue;
    out += urls::encode(text.substr(plain, i - plain), query_chars);
    out += text.substr(i, 3);
    plain = i + 3;
    i += 2;
  }
  out += urls::encode(text.substr(plain), query_chars);
  return out;
}

/// '+' is a space in queries (HTML forms).
const urls::encoding_opts form_decoding{/*space_as_plus=*/true};

} // namespace

std::string percent_decode(const std::string& text) {
  return urls::pct_string_view(escape_stray_bytes(text)).decode(form_decoding);
}

void split_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query) {
  auto mark = target.find('?');
  path = target.substr(0, mark);
  if (mark == std::string::npos)
    return;
  auto escaped = escape_stray_bytes(std::string_view{target}.substr(mark + 1));
  for (auto param : urls::params_view(escaped, form_decoding)) {
    if (param.key.empty() && !param.has_value)
      continue;  // "a&&b", a trailing '&'
    query.emplace(std::move(param.key), std::move(param.value));
  }
}

} // namespace downhill::http
