#include "validation/dns_answer.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <cstring>

#include "core/ascii.hpp"

namespace signet::validation {

namespace asio = boost::asio;

DnsAnswer parse_dns_answer(int type, std::span<const unsigned char> message) {
  DnsAnswer out;
  const unsigned char* abuf = message.data();
  const int alen = static_cast<int>(message.size());
  if (type == ns_t_a) {
    hostent* host = nullptr;
    ares_addrttl ttls[64];
    int n = 64;
    out.status = ares_parse_a_reply(abuf, alen, &host, ttls, &n);
    if (host) ares_free_hostent(host);
    for (int i = 0; out.status == ARES_SUCCESS && i < n; ++i) {
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &ttls[i].ipaddr, 4);
      out.addresses.emplace_back(asio::ip::address_v4(b));
    }
  } else if (type == ns_t_aaaa) {
    hostent* host = nullptr;
    ares_addr6ttl ttls[64];
    int n = 64;
    out.status = ares_parse_aaaa_reply(abuf, alen, &host, ttls, &n);
    if (host) ares_free_hostent(host);
    for (int i = 0; out.status == ARES_SUCCESS && i < n; ++i) {
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &ttls[i].ip6addr, 16);
      out.addresses.emplace_back(asio::ip::address_v6(b));
    }
  } else if (type == ns_t_txt) {
    ares_txt_ext* txt = nullptr;
    out.status = ares_parse_txt_reply_ext(abuf, alen, &txt);
    for (ares_txt_ext* t = txt; t != nullptr; t = t->next) {
      std::string chunk(reinterpret_cast<char*>(t->txt), t->length);
      if (t->record_start || out.texts.empty()) {
        out.texts.push_back(std::move(chunk));
      } else {
        out.texts.back() += chunk;
      }
    }
    if (txt) ares_free_data(txt);
  } else if (type == kDnsTypeCaa) {
    ares_caa_reply* caa = nullptr;
    out.status = ares_parse_caa_reply(abuf, alen, &caa);
    for (ares_caa_reply* c = caa; c != nullptr; c = c->next) {
      std::string tag =
          core::ascii_lower(std::string_view(reinterpret_cast<char*>(c->property), c->plength));
      // c-ares reports the whole flags octet; issuer-critical is its top bit.
      out.caa.push_back({(c->critical & 0x80) != 0, std::move(tag),
                         std::string(reinterpret_cast<char*>(c->value), c->length)});
    }
    if (caa) ares_free_data(caa);
  }
  return out;
}

}  // namespace signet::validation
