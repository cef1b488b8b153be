#pragma once
// Certificate chains of an issuer: PEM bundles, path validation up to a set of trust
// anchors, and the alternate chains kept for an issuer after a rollover (RFC 8555
// §7.4.2). Private to ca/ but for alternate_chains(), which CertificateAuthority serves.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"
#include "policy/name_constraints.hpp"

namespace signet::ca {

// Every certificate of a PEM text, in order; an error for text that holds none or a
// block that does not parse. `what` names the text in errors (a file name).
core::Result<std::vector<core::ossl::X509Ptr>> certificates_of(const std::string& pem,
                                                               const std::string& what);
// The PEM text of certificates, as to_pem() writes each.
std::string pem_of(const std::vector<core::ossl::X509Ptr>& certs);

// A certificate's subject on one line ("/O=Signet/CN=Signet Root CA 1a2b3c4d").
std::string subject_line(X509* cert);
// Whether a self-signed certificate (a root).
bool self_signed(X509* cert);

// Path validation (RFC 5280 §6) of cert up to one of anchors, through untrusted: an
// anchor need not be self-signed (an intermediate may be trusted as it is). With `at`,
// every certificate must be valid then; without, dates are not checked (a hierarchy
// already in use is loaded as it is). The error names OpenSSL's reason.
core::Status verify_up_to(X509* cert, const std::vector<core::ossl::X509Ptr>& anchors,
                          const std::vector<core::ossl::X509Ptr>& untrusted,
                          std::optional<core::TimePoint> at);

// The dNSName and iPAddress name constraints of certs (each one's own), for the
// identifier policy. An error for a constraint Signet cannot read.
core::Result<policy::NameConstraints> name_constraints_of(const std::vector<X509*>& certs);

// The files of the alternate chains kept in dir (*.pem), in name order; none when dir
// is absent.
core::Result<std::vector<std::filesystem::path>> alternate_files(const std::filesystem::path& dir);
// The alternate chains kept in dir (each file *.pem: an issuer's certificate, then the
// certificates above it), in the order of their file names; none when dir is absent.
core::Result<std::vector<std::string>> load_alternates(const std::filesystem::path& dir);

// The chains to offer beside chain_pem (a leaf, then its issuer's chain): the leaf
// followed by each alternate that starts with the leaf's issuer, unless it is the one
// chain_pem already carries.
std::vector<std::string> alternate_chains(const std::vector<std::string>& alternates,
                                          const std::string& chain_pem);

}  // namespace signet::ca
