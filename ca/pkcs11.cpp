#include "ca/pkcs11.hpp"

#include <dlfcn.h>
#include <libp11.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {

namespace {

core::Error bad_uri(std::string_view uri, const std::string& why) {
  return core::internal_error("PKCS#11 URI \"" + std::string(uri) + "\": " + why);
}

// RFC 3986 §2.1 percent-decoding, as RFC 7512 §2.3 asks for attribute values.
std::optional<std::string> pct_decode(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out += v[i];
      continue;
    }
    if (i + 2 >= v.size()) return std::nullopt;
    auto bytes = detail::unhex(std::string(v.substr(i + 1, 2)));
    if (!bytes) return std::nullopt;
    out += *bytes;
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

}  // namespace

core::Result<Pkcs11Uri> Pkcs11Uri::parse(std::string_view uri) {
  constexpr std::string_view kScheme = "pkcs11:";
  if (!uri.starts_with(kScheme)) return bad_uri(uri, "does not start with \"pkcs11:\"");
  std::string_view rest = uri.substr(kScheme.size());
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  for (auto attr : split(query, '&')) {
    const auto name = attr.substr(0, attr.find('='));
    if (name == "pin-value" || name == "pin-source") {
      return bad_uri(uri,
                     "a PIN never goes in the key URI; give it in a file or an environment "
                     "variable ([ca] pin_file or pin_env)");
    }
    if (name == "module-name" || name == "module-path") {
      return bad_uri(uri, "the module is set apart ([ca] pkcs11_module), not in the key URI");
    }
    return bad_uri(uri, "unsupported query attribute \"" + std::string(name) + "\"");
  }
  Pkcs11Uri out;
  for (auto attr : split(rest, ';')) {
    const auto eq = attr.find('=');
    if (eq == std::string_view::npos) {
      return bad_uri(uri, "attribute \"" + std::string(attr) + "\" has no value");
    }
    const std::string name(attr.substr(0, eq));
    auto value = pct_decode(attr.substr(eq + 1));
    if (!value) return bad_uri(uri, "bad percent-encoding in " + name);
    std::optional<std::string>* slot = name == "token"          ? &out.token
                                       : name == "manufacturer" ? &out.manufacturer
                                       : name == "model"        ? &out.model
                                       : name == "serial"       ? &out.serial
                                       : name == "object"       ? &out.object
                                       : name == "id"           ? &out.id
                                                                : nullptr;
    if (name == "type") {
      if (*value != "private") return bad_uri(uri, "type must be private (a signing key)");
      continue;
    }
    if (slot == nullptr) {
      return bad_uri(uri, "unsupported attribute \"" + name +
                              "\" (token, manufacturer, model, serial, object, id, type)");
    }
    if (slot->has_value()) return bad_uri(uri, name + " given twice");
    *slot = std::move(*value);
  }
  if (!out.token && !out.serial) return bad_uri(uri, "names no token (token= or serial=)");
  if (!out.object && !out.id) return bad_uri(uri, "names no key (object= or id=)");
  return out;
}

struct Pkcs11Key::State {
  std::string module;
  PKCS11_CTX* ctx = nullptr;
  PKCS11_SLOT* slots = nullptr;
  unsigned int nslots = 0;
  PKCS11_SLOT* slot = nullptr;    // the token's, among slots
  void* module_handle = nullptr;  // a second reference to the module libp11 loaded
  CK_FUNCTION_LIST_PTR fns = nullptr;
  std::mutex signing{};  // signing_mutex()

  ~State() {
    if (slots) PKCS11_release_all_slots(ctx, slots, nslots);
    if (ctx) {
      PKCS11_CTX_unload(ctx);
      PKCS11_CTX_free(ctx);
    }
    if (module_handle) dlclose(module_handle);
  }
};

namespace {

bool matches(const std::optional<std::string>& want, const char* have) {
  return !want || (have != nullptr && *want == have);
}

bool names_token(const Pkcs11Uri& u, const PKCS11_TOKEN* t) {
  return t != nullptr && t->initialized && matches(u.token, t->label) &&
         matches(u.serial, t->serialnr) && matches(u.manufacturer, t->manufacturer) &&
         matches(u.model, t->model);
}

std::string describe_token(const Pkcs11Uri& u) {
  return u.token ? "token \"" + *u.token + "\"" : "token with serial " + *u.serial;
}

// An RAII read-write session of our own, for what libp11 0.4 cannot do (key
// generation). Login state is per application (PKCS#11 §5.6), so it is logged in.
class RawSession {
 public:
  RawSession(CK_FUNCTION_LIST_PTR fns, CK_SLOT_ID slot) : fns_(fns) {
    rv_ = fns_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h_);
  }
  ~RawSession() {
    if (rv_ == CKR_OK) fns_->C_CloseSession(h_);
  }
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  CK_RV rv() const { return rv_; }
  CK_SESSION_HANDLE get() const { return h_; }

 private:
  CK_FUNCTION_LIST_PTR fns_;
  CK_SESSION_HANDLE h_ = 0;
  CK_RV rv_ = CKR_GENERAL_ERROR;
};

std::string ckr(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
  return buf;
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(len)};
}

// The EC point of a P-256 public key object, as an EVP_PKEY.
core::Result<core::ossl::Pkey> ec_public_key(CK_FUNCTION_LIST_PTR fns, CK_SESSION_HANDLE s,
                                             CK_OBJECT_HANDLE pub) {
  CK_ATTRIBUTE a = attr(CKA_EC_POINT, nullptr, 0);
  if (CK_RV rv = fns->C_GetAttributeValue(s, pub, &a, 1); rv != CKR_OK)
    return core::internal_error("reading the new public key: " + ckr(rv));
  std::string der(a.ulValueLen, '\0');
  a.pValue = der.data();
  if (CK_RV rv = fns->C_GetAttributeValue(s, pub, &a, 1); rv != CKR_OK)
    return core::internal_error("reading the new public key: " + ckr(rv));
  // PKCS#11 §2.3.3: CKA_EC_POINT is the DER of an OCTET STRING holding the point.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::Asn1OctetString os(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(der.size())));
  if (!os) return core::internal_error("the token's public key is not an OCTET STRING");
  std::unique_ptr<OSSL_PARAM_BLD, core::ossl::Deleter<OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        ASN1_STRING_get0_data(os.get()),
                                        static_cast<std::size_t>(ASN1_STRING_length(os.get()))))
    return core::internal_error("building the public key: " + core::ossl::last_error());
  std::unique_ptr<OSSL_PARAM, core::ossl::Deleter<OSSL_PARAM_free>> params(
      OSSL_PARAM_BLD_to_param(bld.get()));
  core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return core::internal_error("the token's public key: " + core::ossl::last_error());
  return core::ossl::Pkey(key);
}

}  // namespace

Pkcs11Key::Pkcs11Key(std::shared_ptr<State> s, Pkcs11Uri uri)
    : s_(std::move(s)), uri_(std::move(uri)) {}
Pkcs11Key::~Pkcs11Key() = default;

core::Result<std::unique_ptr<Pkcs11Key>> Pkcs11Key::login(const Pkcs11KeySpec& spec) {
  auto uri = Pkcs11Uri::parse(spec.uri);
  if (!uri) return std::move(uri).error();
  auto s = std::make_shared<State>();
  s->module = spec.module.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec.module, ec)) {
    return core::internal_error("PKCS#11 module " + s->module + " does not exist");
  }
  s->ctx = PKCS11_CTX_new();
  if (s->ctx == nullptr) return core::internal_error("PKCS11_CTX_new failed");
  if (PKCS11_CTX_load(s->ctx, s->module.c_str()) != 0) {
    PKCS11_CTX_free(s->ctx);
    s->ctx = nullptr;
    return core::internal_error("cannot load PKCS#11 module " + s->module + ": " +
                                core::ossl::last_error());
  }
  if (PKCS11_enumerate_slots(s->ctx, &s->slots, &s->nslots) != 0) {
    return core::internal_error("PKCS#11 module " + s->module +
                                ": cannot list its slots: " + core::ossl::last_error());
  }
  const Pkcs11Uri& u = *uri;
  for (unsigned int i = 0; i < s->nslots; ++i) {
    if (!names_token(u, s->slots[i].token)) continue;
    if (s->slot != nullptr) {
      return core::internal_error("more than one " + describe_token(u) + " in " + s->module +
                                  ": name it by serial= too");
    }
    s->slot = &s->slots[i];
  }
  if (s->slot == nullptr) {
    return core::internal_error("no " + describe_token(u) + " in PKCS#11 module " + s->module);
  }
  if (PKCS11_login(s->slot, 0, spec.pin.c_str()) != 0) {
    return core::internal_error("cannot log in to " + describe_token(u) +
                                " (wrong PIN, or PIN locked): " + core::ossl::last_error());
  }
  // The same module, as libp11 loaded it, for C_GenerateKeyPair.
  s->module_handle = dlopen(s->module.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (s->module_handle != nullptr) {
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(s->module_handle, "C_GetFunctionList"));
    if (get == nullptr || get(&s->fns) != CKR_OK) s->fns = nullptr;
  }
  return std::unique_ptr<Pkcs11Key>(new Pkcs11Key(std::move(s), std::move(uri).value()));
}

core::Result<std::unique_ptr<Pkcs11Key>> Pkcs11Key::another_key(std::string_view uri) const {
  auto u = Pkcs11Uri::parse(uri);
  if (!u) return std::move(u).error();
  if (!names_token(*u, s_->slot->token)) {
    return core::internal_error("PKCS#11 URI \"" + std::string(uri) +
                                "\" names another token than " + token() +
                                ", the one logged in to");
  }
  return std::unique_ptr<Pkcs11Key>(new Pkcs11Key(s_, std::move(u).value()));
}

std::shared_ptr<std::mutex> Pkcs11Key::signing_mutex() const {
  return std::shared_ptr<std::mutex>(s_, &s_->signing);
}

std::string Pkcs11Key::token() const {
  return describe_token(uri_);
}

core::Result<core::ossl::Pkey> Pkcs11Key::private_key() const {
  PKCS11_KEY* keys = nullptr;
  unsigned int n = 0;
  if (PKCS11_enumerate_keys(s_->slot->token, &keys, &n) != 0) {
    return core::internal_error("cannot list the keys on " + describe_token(uri_) + ": " +
                                core::ossl::last_error());
  }
  const Pkcs11Uri& u = uri_;
  PKCS11_KEY* found = nullptr;
  for (unsigned int i = 0; i < n; ++i) {
    const PKCS11_KEY& k = keys[i];
    const std::string id(reinterpret_cast<const char*>(k.id), k.id_len);
    if (!k.isPrivate || !matches(u.object, k.label) || (u.id && *u.id != id)) continue;
    if (found != nullptr) {
      return core::internal_error("more than one private key matches " +
                                  std::string(u.object ? "object=" + *u.object : "the id") +
                                  " on " + describe_token(u) + ": name it by id= too");
    }
    found = &keys[i];
  }
  if (found == nullptr) {
    return core::internal_error(
        "no private key " + std::string(u.object ? "\"" + *u.object + "\"" : "with that id") +
        " on " + describe_token(u) + " (`signet ca init --pkcs11` makes one)");
  }
  core::ossl::Pkey key(PKCS11_get_private_key(found));
  if (!key) {
    return core::internal_error("cannot use the private key on " + describe_token(u) + ": " +
                                core::ossl::last_error());
  }
  return key;
}

core::Result<core::ossl::Pkey> Pkcs11Key::public_key() const {
  auto key = private_key();
  if (!key) return std::move(key).error();
  const std::string der = core::ossl::spki_der(key->get());
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::Pkey pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pub)
    return core::internal_error("the public key on " + token() + ": " + core::ossl::last_error());
  return pub;
}

core::Result<core::ossl::Pkey> Pkcs11Key::generate_ec_p256() const {
  if (s_->fns == nullptr) {
    return core::internal_error("PKCS#11 module " + s_->module + ": no function list");
  }
  CK_FUNCTION_LIST_PTR fns = s_->fns;
  RawSession session(fns, PKCS11_get_slotid_from_slot(s_->slot));
  if (session.rv() != CKR_OK) {
    return core::internal_error("cannot open a read-write session on " + describe_token(uri_) +
                                ": " + ckr(session.rv()));
  }
  const Pkcs11Uri& u = uri_;
  std::string id = u.id.value_or(std::string(16, '\0'));
  if (!u.id) RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), static_cast<int>(id.size()));
  const std::string label = u.object.value_or("");

  // Never a second key under the same name: which one would sign?
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  std::vector<CK_ATTRIBUTE> find{attr(CKA_CLASS, &priv_class, sizeof priv_class)};
  if (u.object) find.push_back(attr(CKA_LABEL, label.data(), label.size()));
  if (u.id) find.push_back(attr(CKA_ID, id.data(), id.size()));
  CK_OBJECT_HANDLE existing = 0;
  CK_ULONG count = 0;
  if (CK_RV rv = fns->C_FindObjectsInit(session.get(), find.data(), find.size()); rv != CKR_OK)
    return core::internal_error("searching " + describe_token(u) + ": " + ckr(rv));
  fns->C_FindObjects(session.get(), &existing, 1, &count);
  fns->C_FindObjectsFinal(session.get());
  if (count > 0) {
    return core::internal_error(describe_token(u) + " already holds a private key named by " +
                                std::string(uri_.object ? "object=" + label : "that id") +
                                ": choose another object name, or remove it from the token");
  }

  // prime256v1's OID (RFC 5480 §2.1.1.1), DER.
  static const unsigned char kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::vector<CK_ATTRIBUTE> pub{
      attr(CKA_EC_PARAMS, kP256, sizeof kP256), attr(CKA_TOKEN, &yes, sizeof yes),
      attr(CKA_VERIFY, &yes, sizeof yes), attr(CKA_ID, id.data(), id.size())};
  std::vector<CK_ATTRIBUTE> priv{
      attr(CKA_TOKEN, &yes, sizeof yes),     attr(CKA_PRIVATE, &yes, sizeof yes),
      attr(CKA_SENSITIVE, &yes, sizeof yes), attr(CKA_EXTRACTABLE, &no, sizeof no),
      attr(CKA_SIGN, &yes, sizeof yes),      attr(CKA_ID, id.data(), id.size())};
  if (u.object) {
    pub.push_back(attr(CKA_LABEL, label.data(), label.size()));
    priv.push_back(attr(CKA_LABEL, label.data(), label.size()));
  }
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub_h = 0, priv_h = 0;
  if (CK_RV rv = fns->C_GenerateKeyPair(session.get(), &mech, pub.data(), pub.size(), priv.data(),
                                        priv.size(), &pub_h, &priv_h);
      rv != CKR_OK) {
    return core::internal_error("generating an EC P-256 key on " + describe_token(u) + ": " +
                                ckr(rv));
  }
  return ec_public_key(fns, session.get(), pub_h);
}

Pkcs11Issuer::Pkcs11Issuer(std::string name, core::ossl::X509Ptr cert, std::string chain_pem,
                           std::shared_ptr<const Pkcs11Key> key, KeySigner signer)
    : name_(std::move(name)),
      cert_(std::move(cert)),
      chain_pem_(std::move(chain_pem)),
      key_(std::move(key)),
      mutex_(key_->signing_mutex()),
      signer_(std::move(signer)) {}

core::Result<std::unique_ptr<Pkcs11Issuer>> Pkcs11Issuer::open(
    std::string name, const std::filesystem::path& cert_path, std::shared_ptr<const Pkcs11Key> key,
    const std::string& chain_above_pem) {
  auto cert_pem = core::read_file(cert_path);
  if (!cert_pem) return std::move(cert_pem).error();
  auto cert = detail::x509_from_pem(*cert_pem);
  if (!cert) return std::move(cert).error();
  auto pkey = key->private_key();
  if (!pkey) return std::move(pkey).error();
  auto signer = KeySigner::create(std::move(pkey).value());
  if (!signer) return std::move(signer).error();
  if (!signer->matches(cert->get())) {
    return core::internal_error("the key on " + key->token() + " does not match " +
                                cert_path.string());
  }
  std::string chain = detail::to_pem(cert->get()) + chain_above_pem;
  return std::unique_ptr<Pkcs11Issuer>(new Pkcs11Issuer(std::move(name), std::move(cert).value(),
                                                        std::move(chain), std::move(key),
                                                        std::move(signer).value()));
}

// libp11 keeps a pool of sessions, but a token is one device: signatures go to it one
// at a time, which also spares us relying on how a given module handles threads.
core::Status Pkcs11Issuer::sign_certificate(X509* tbs) const {
  std::lock_guard lock(*mutex_);
  return signer_.sign(tbs);
}

core::Status Pkcs11Issuer::sign_crl(X509_CRL* tbs) const {
  std::lock_guard lock(*mutex_);
  return signer_.sign(tbs);
}

}  // namespace signet::ca
