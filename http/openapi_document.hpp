// The API's OpenAPI 3.1 document (docs/openapi.yaml), converted to JSON
// and embedded at build time; served at GET /api/v1/openapi.json.
#pragma once

#include <string>

namespace downhill::http {

const std::string& openapi_document();

} // namespace downhill::http
