#pragma once
// The Public Suffix List (publicsuffix.org) through libpsl; nothing else includes libpsl.
//
// The list is read once, on first use: the system copy (Debian's publicsuffix package)
// if libpsl can load it, else the copy built into libpsl. It is never changed after
// that, so every function here is thread-safe. Both sections of the list count: ICANN
// suffixes (co.uk) and private ones (github.io), since a certificate for either would
// cover names that belong to unrelated parties.
//
// Names are normalised DNS names: lower-case ASCII, A-labels, no trailing dot.
#include <string>
#include <string_view>

namespace signet::policy {

// Whether `name` is itself a public suffix by a rule of the list. The list's implicit
// "*" rule is not applied: a top-level label the list does not know (test, example,
// internal) is not a suffix, so names under it stay usable by a private CA. If no list
// could be loaded at all, every name counts as a suffix: issuance stops rather than
// going on without the rule.
bool is_public_suffix(std::string_view name);

// The registrable domain (the public suffix plus one label) of `dns_name`, the unit of
// per-domain rate limits: "a.b.example.co.uk" -> "example.co.uk". Under a top-level
// label the list does not know, the last two labels ("x.example.test" ->
// "example.test"); a name that is itself a public suffix is its own registrable domain.
// A wildcard counts as its base name ("*.a.example.com" -> "example.com").
std::string registered_domain(std::string_view dns_name);

}  // namespace signet::policy
