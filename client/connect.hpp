// Opening the TCP connection to a server, for the HTTP and WebSocket
// clients (private to client/: it carries Beast).
#pragma once

#include "client/endpoint.hpp"

#include <boost/beast/core/tcp_stream.hpp>

namespace downhill::client {

/// Connects `stream` to the first of the server's addresses that answers.
/// A `receive_buffer` > 0 is set on the socket before it connects (the TCP
/// window is agreed then). Throws boost::system::system_error.
void connect(boost::beast::tcp_stream& stream, const endpoint& server,
             int receive_buffer = 0);

} // namespace downhill::client
