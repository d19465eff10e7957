# Writes OUTPUT: a C++ file holding the API's OpenAPI document (INPUT, the
# JSON that openapi_to_json.py made of docs/openapi.yaml) as a string, so
# the binary serves it without a file next to it.
file(READ ${INPUT} content)
string(FIND "${content}" ")DHOPENAPI\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} holds the raw string's delimiter")
endif()
file(WRITE ${OUTPUT} "// Generated from docs/openapi.yaml by embed_openapi.cmake.\n")
file(APPEND ${OUTPUT} "#include \"http/openapi_document.hpp\"\n\n")
file(APPEND ${OUTPUT} "namespace downhill::http {\n\n")
file(APPEND ${OUTPUT} "const std::string& openapi_document() {\n")
file(APPEND ${OUTPUT} "  static const std::string document{R\"DHOPENAPI(${content})DHOPENAPI\"};\n")
file(APPEND ${OUTPUT} "  return document;\n}\n\n} // namespace downhill::http\n")
