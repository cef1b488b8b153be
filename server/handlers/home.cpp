// GET / (a page for people: where the directory is, how to trust this CA) and
// GET /root.pem.
#include <string>

#include "server/handlers/handlers.hpp"
#include "server/html.hpp"

namespace signet::server::handlers {

HandlerResult home(Context& ctx) {
  const std::string directory = html_escape(ctx.urls.of(Route::Directory));
  const std::string root = html_escape(ctx.urls.of(Route::RootCertificate));
  Reply r;
  r.content_type = "text/html; charset=utf-8";
  const std::string title =
      ctx.meta.test_ca ? "Signet test certificate authority" : "Signet certificate authority";
  // The test CA mode (signet serve --testing): the directory's website is this page.
  const std::string test_notice =
      ctx.meta.test_ca
          ? "<p><strong>This is a test CA.</strong> It runs in test mode for CI pipelines: "
            "its validations may be skipped or faked, and it may refuse requests on purpose. "
            "Never trust its certificates outside the tests they were issued for.</p>\n"
          : "";
  r.body =
      "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
      "<title>" +
      title +
      "</title></head>\n<body>\n"
      "<h1>" +
      title + "</h1>\n" + test_notice +
      "<p>This is an ACME server (RFC 8555). Point your ACME client at its directory:</p>\n"
      "<pre>" +
      directory +
      "</pre>\n"
      "<p>for example <code>certbot certonly --server " +
      directory + " -d app.example</code>, <code>lego --server " + directory +
      " ...</code> or Caddy's <code>acme_ca " + directory +
      "</code>.</p>\n"
      "<p>Certificates chain to this CA's root: <a href=\"" +
      root +
      "\">download the root certificate</a> (PEM) and add it to the trust store of the "
      "clients that connect to your servers, and of your ACME client.</p>\n"
      "</body>\n</html>\n";
  co_return r;
}

HandlerResult root_certificate(Context& ctx) {
  Reply r;
  r.content_type = "application/x-pem-file";
  r.body = ctx.authority.root_pem();
  co_return r;
}

}  // namespace signet::server::handlers
