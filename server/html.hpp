#pragma once
// HTML the server renders itself (the home page, the operator's pages): text escaped
// in one place.
#include <string>
#include <string_view>

namespace signet::server {

// For HTML text and quoted attribute values: & < > " ' become character references.
std::string html_escape(std::string_view text);

}  // namespace signet::server
