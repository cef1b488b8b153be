#include "policy/public_suffix.hpp"

#include <libpsl.h>

namespace signet::policy {
namespace {

// Loaded on first use and kept for the life of the process: the context is immutable,
// and not freeing it spares threads still running at exit from a destroyed list.
const psl_ctx_t* suffix_list() {
  static const psl_ctx_t* const list = [] {
    const psl_ctx_t* loaded = psl_latest(nullptr);
    return loaded != nullptr ? loaded : psl_builtin();
  }();
  return list;
}

std::string_view last_two_labels(std::string_view name) {
  const auto last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos || last_dot == 0) return name;
  const auto dot = name.rfind('.', last_dot - 1);
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

}  // namespace

bool is_public_suffix(std::string_view name) {
  const psl_ctx_t* list = suffix_list();
  if (list == nullptr) return true;
  const std::string z(name);
  return psl_is_public_suffix2(list, z.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

std::string registered_domain(std::string_view dns_name) {
  if (dns_name.starts_with("*.")) dns_name.remove_prefix(2);
  const psl_ctx_t* list = suffix_list();
  if (list == nullptr) return std::string(last_two_labels(dns_name));
  const std::string z(dns_name);
  // libpsl applies the "*" rule here, which gives the last two labels under an unknown
  // top-level label; it returns null for a name that is itself a public suffix.
  const char* domain = psl_registrable_domain(list, z.c_str());
  return domain != nullptr ? std::string(domain) : z;
}

}  // namespace signet::policy
