#include "actors/actor_ask.hpp"

#include <caf/sec.hpp>

#include <string>

namespace downhill {

api_error unavailable(const caf::error& e) {
  if (e == caf::make_error(caf::sec::request_timeout))
    return make_error(error_code::unavailable,
                      "The server did not answer within "
                        + std::to_string(actor_timeout.count())
                        + " seconds; try again.");
  if (e == caf::make_error(caf::sec::request_receiver_down))
    return make_error(error_code::unavailable,
                      "This organization's worker stopped and is being "
                      "restarted; try again in a moment.");
  return make_error(error_code::internal,
                    "The server failed to answer: " + caf::to_string(e)
                      + ".");
}

api_error no_such_org() {
  return make_error(error_code::not_found, "No such organization.");
}

} // namespace downhill
