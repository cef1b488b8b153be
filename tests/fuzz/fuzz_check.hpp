#pragma once
// What the fuzz targets share. FUZZ_CHECK states a property the code under test must keep
// for every input; when it does not hold, the run stops and libFuzzer saves the input as a
// crash, like any sanitizer report.
#include <openssl/err.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)

namespace signet::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits off the text before the first `sep` (all of it when there is none).
inline std::string_view take_until(std::string_view& rest, char sep) {
  const auto at = rest.find(sep);
  const std::string_view head = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return head;
}

// Nothing is left in the thread's OpenSSL error queue: what a refused input left there would
// surface in a later, unrelated error message.
#define FUZZ_CHECK_NO_OPENSSL_ERRORS()                      \
  do {                                                      \
    if (ERR_peek_error() != 0) ERR_print_errors_fp(stderr); \
    FUZZ_CHECK(ERR_peek_error() == 0);                      \
  } while (false)

}  // namespace signet::fuzz
