// Tests follow event streams with the CLI's WebSocket client (client/).
#pragma once

#include "client/ws_client.hpp"

namespace downhill::testing {

using client::ws_client;
using client::ws_refused;

} // namespace downhill::testing
