// Answers one TAXII 2.1 request on an authenticated connection: who is
// asking (by the connection's key pin, against the registry in force now),
// whether it may be asked (method, Accept), and the endpoint's document.
// Knows nothing of HTTP framing; the server turns an Answer into a response.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "broker/config.h"
#include "broker/services.h"

namespace weft::broker::taxii {

struct Request {
  std::uint64_t connection = 0;  // for the logs
  std::string pin;               // the client certificate's SPKI pin
  bool is_get = false;
  std::string method;            // as sent, for the 405 message
  std::string target;
  std::string accept;
  std::string host;              // the Host header, for the discovery document's URLs
};

struct Answer {
  unsigned status = 200;
  std::string body;  // application/taxii+json
  std::vector<std::pair<std::string, std::string>> headers;
  // The peer is not who may use this server: answer, then close.
  bool close = false;
};

// A TAXII error message as an Answer.
Answer error_answer(unsigned status, std::string_view title, std::string_view description);

boost::asio::awaitable<Answer> answer(Services& services, const TaxiiSettings& settings, Request request);

}  // namespace weft::broker::taxii
