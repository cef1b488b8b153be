#pragma once
// A vantage point other than this server: a `signet vantage` agent reached over the
// network. The validation authority corroborates each validation from these.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "validation/checker.hpp"

namespace signet::validation {

class RemotePerspective {
 public:
  virtual ~RemotePerspective() = default;
  virtual const std::string& name() const = 0;
  // The challenge check and CAA, as seen from there. Must complete by itself (its own
  // deadline); the validation authority also stops waiting at its remote timeout.
  virtual boost::asio::awaitable<ValidationOutcome> validate(const ValidationRequest& req) = 0;
};

}  // namespace signet::validation
