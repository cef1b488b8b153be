#pragma once
// The admin listener's /testing/ endpoints, present only in the test CA mode:
//   POST|DELETE /testing/txt     {"name", "value"}: TXT records validation sees
//   POST|DELETE /testing/caa     {"name", "tag", "value"[, "critical"]}: CAA records
//   GET|POST    /testing/config  the knobs, as JSON; POST changes those it names
//   GET         /testing/root, /testing/intermediate: the CA certificates, PEM
// Answers at once; never blocks. Thread-safe.
#include <memory>
#include <string>

#include "server/http/types.hpp"
#include "server/testing.hpp"

namespace signet::server::admin {

struct TestingAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string allow;  // for 405: the methods the resource answers
};

class TestingEndpoints {
 public:
  TestingEndpoints(std::shared_ptr<TestMode> mode, std::string root_pem,
                   std::string intermediate_pem)
      : mode_(std::move(mode)),
        root_pem_(std::move(root_pem)),
        intermediate_pem_(std::move(intermediate_pem)) {}

  // A request whose path starts with /testing/.
  TestingAnswer handle(const http::Request& req) const;

 private:
  TestingAnswer on_txt(const http::Request& req) const;
  TestingAnswer on_caa(const http::Request& req) const;
  TestingAnswer on_config(const http::Request& req) const;

  std::shared_ptr<TestMode> mode_;
  std::string root_pem_;
  std::string intermediate_pem_;
};

}  // namespace signet::server::admin
