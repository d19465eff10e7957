#include "client/connect.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace downhill::client {

namespace asio = boost::asio;

void connect(boost::beast::tcp_stream& stream, const endpoint& server,
             int receive_buffer) {
  asio::ip::tcp::resolver resolver{stream.get_executor()};
  auto addresses = resolver.resolve(server.host, std::to_string(server.port));
  boost::system::error_code ec = asio::error::host_not_found;
  // Not asio::connect: it reopens the socket per address, dropping the
  // receive buffer's size.
  for (auto& address : addresses) {
    auto& socket = stream.socket();
    socket.close(ec);
    socket.open(address.endpoint().protocol());
    if (receive_buffer > 0)
      socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    stream.connect(address.endpoint(), ec);
    if (!ec)
      return;
  }
  throw boost::system::system_error(ec, "connect to " + server.host + ":"
                                          + std::to_string(server.port));
}

} // namespace downhill::client
