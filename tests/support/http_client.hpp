// Tests talk to the server they start with the CLI's client (client/).
#pragma once

#include "client/http_client.hpp"

namespace downhill::testing {

using json = nlohmann::json;
using client::http_client;
using client::response;

} // namespace downhill::testing
