// The OpenAPI 3.1 document of /api/v1, written by hand in openapi.json beside this header and
// compiled into the binary. A test checks that it lists exactly the router's routes.
#pragma once

#include <string_view>

namespace ebcm::http {

std::string_view openapi_document();

}  // namespace ebcm::http
