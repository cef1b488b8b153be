#include "authority/selection.hpp"

namespace signet::authority {

boost::asio::awaitable<core::Result<core::Certificate>> find_certificate(
    storage::Store& store, const std::string& serial) {
  auto c = co_await store.certificate_by_serial(serial);
  if (!c) co_return std::move(c).error();
  if (!c->has_value())
    co_return core::make_error(core::ProblemType::NotFound, "No certificate has serial " + serial);
  co_return std::move(**c);
}

boost::asio::awaitable<core::Result<std::vector<core::Certificate>>> select_certificates(
    storage::Store& store, const CertificateSelection& s, core::TimePoint now) {
  if (s.serial) {
    auto c = co_await find_certificate(store, *s.serial);
    if (!c) co_return std::move(c).error();
    co_return std::vector<core::Certificate>{std::move(c).value()};
  }
  if (s.account) co_return co_await store.current_certificates_of_account(*s.account, now);
  if (s.name) co_return co_await store.current_certificates_for(*s.name, now);
  co_return core::make_error(core::ProblemType::Malformed, "Name a serial, an account or a name");
}

}  // namespace signet::authority
