#pragma once
// A remote perspective reached over HTTPS with mutual TLS: Signet's side of a
// `signet vantage` agent. Each validation is one POST /v1/validate on a fresh
// connection, bounded by a deadline from connect to the last byte of the answer.
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "validation/perspective.hpp"

namespace signet::server::vantage {

struct AgentUrl {
  std::string host;  // a name or an IP address, without brackets
  uint16_t port = 443;
  std::string path;  // the base path the agent's resources live under, "" for the root
};

// "https://HOST[:PORT][/PATH]"; HOST may be a bracketed IPv6 address.
core::Result<AgentUrl> parse_agent_url(const std::string& url);

struct AgentConfig {
  std::string name;  // reported in records and errors
  AgentUrl url;
  std::chrono::milliseconds timeout{15000};
};

class AgentClient : public validation::RemotePerspective {
 public:
  // tls: a client context holding Signet's client certificate and trusting only
  // Signet's root; it must outlive this client.
  AgentClient(AgentConfig config, boost::asio::ssl::context& tls);

  const std::string& name() const override { return config_.name; }
  boost::asio::awaitable<validation::ValidationOutcome> validate(
      const validation::ValidationRequest& req) override;

 private:
  boost::asio::awaitable<core::Result<std::string>> exchange(const std::string& body);

  AgentConfig config_;
  boost::asio::ssl::context& tls_;
};

}  // namespace signet::server::vantage
