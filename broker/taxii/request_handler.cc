#include "broker/taxii/request_handler.h"

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "broker/net/peer_identity.h"
#include "broker/taxii/collection_reader.h"
#include "broker/taxii/storage_await.h"
#include "broker/taxii/taxii_documents.h"
#include "broker/taxii/taxii_paging.h"
#include "broker/taxii/taxii_routes.h"
#include "common/log.h"
#include "common/names.h"

namespace weft::broker::taxii {
namespace {

using net::PeerIdentity;

// What every endpoint needs to know about the request being answered.
struct Asked {
  Services& services;
  const TaxiiSettings& settings;
  std::shared_ptr<const Registry> registry;  // keeps `org` alive
  const v1::Organisation& org;
  const Request& request;
  const Route& route;
};

std::string_view endpoint_name(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kDiscovery:
      return "discovery";
    case Endpoint::kApiRoot:
      return "api_root";
    case Endpoint::kCollections:
      return "collections";
    case Endpoint::kCollection:
      return "collection";
    case Endpoint::kObjects:
      return "objects";
    case Endpoint::kObject:
      return "object";
    case Endpoint::kManifest:
      return "manifest";
  }
  return "unknown";
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

std::optional<Answer> refuse_identity(const PeerIdentity& peer, const Request& request) {
  if (peer.status == PeerIdentity::Status::kUnknown) {
    log::warn("security.unknown_identity", {{"taxii_conn", request.connection}, {"spki_prefix", peer.shown_pin()}});
    auto refused = error_answer(401, "Unknown client certificate",
                                "the key of this client certificate (SPKI sha256:" + peer.shown_pin() +
                                    "...) is not registered with this broker; ask the operator to register your "
                                    "organisation");
    refused.close = true;
    return refused;
  }
  if (peer.status == PeerIdentity::Status::kRevoked) {
    log::warn("security.revoked_identity", {{"taxii_conn", request.connection}, {"org", peer.org->name()}});
    auto refused = error_answer(403, "Organisation revoked",
                                "organisation '" + peer.org->name() + "' has been revoked by the broker operator");
    refused.close = true;
    return refused;
  }
  return std::nullopt;
}

// Only what looks like a host name or address (and port) goes back into a
// document; anything else gets the relative path.
std::string api_root_url(std::string_view host) {
  const bool plausible = !host.empty() && host.size() <= 255 &&
                         std::all_of(host.begin(), host.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                  c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
                         });
  return plausible ? "https://" + std::string(host) + std::string(kApiRootPath) : std::string(kApiRootPath);
}

// The feeds the organisation may read that exist, or that its registry
// entry names outright (so a new feed shows before its first report).
std::vector<Collection> readable_collections(const v1::Organisation& org, const std::vector<std::string>& stored) {
  std::set<std::string> feeds(stored.begin(), stored.end());
  for (const auto& entry : org.read_feeds()) {
    if (names::check_feed(entry)) {
      feeds.insert(entry);
    }
  }
  std::vector<Collection> collections;
  for (const auto& feed : feeds) {
    if (may_read(org, feed)) {
      collections.push_back(collection_for_feed(feed));
    }
  }
  return collections;
}

Answer document(std::string body) {
  Answer answered;
  answered.body = std::move(body);
  return answered;
}

Answer unavailable(std::string_view description) {
  auto answered = error_answer(503, "Service unavailable", description);
  answered.headers.emplace_back("Retry-After", "5");
  return answered;
}

Answer page_answer(const Asked& asked, const CollectionPage& page) {
  std::optional<std::string> next;
  if (page.next) {
    next = encode_next(*page.next);
  }
  if (asked.route.endpoint == Endpoint::kObject && page.entries.empty() && !page.more) {
    return error_answer(404, "Object not found",
                        "no object " + asked.route.object_id + " in this collection that organisation '" +
                            asked.org.name() + "' may read");
  }
  Answer answered = document(asked.route.endpoint == Endpoint::kManifest
                                 ? manifest_document(page.entries, page.more, next)
                                 : envelope_document(page.entries, page.more, next));
  if (!page.entries.empty()) {
    answered.headers.emplace_back("X-TAXII-Date-Added-First", page.entries.front().date_added);
    answered.headers.emplace_back("X-TAXII-Date-Added-Last", page.entries.back().date_added);
  }
  return answered;
}

bool is_paged(Endpoint endpoint) {
  return endpoint == Endpoint::kObjects || endpoint == Endpoint::kManifest || endpoint == Endpoint::kObject;
}

// The page asked for, or the 400 that refuses it.
std::variant<Answer, ObjectQuery> query_for(const Asked& asked) {
  auto parsed = parse_object_query(asked.route.query, asked.settings.max_page);
  if (!parsed) {
    return error_answer(400, "Bad request parameter", parsed.error().message);
  }
  ObjectQuery query = std::move(parsed).value();
  if (asked.route.endpoint == Endpoint::kObject) {
    query.ids = {asked.route.object_id};
  }
  return query;
}

// The collection a paged request reads, or the whole answer.
std::variant<Answer, Collection> pick_collection(const Asked& asked, const Result<std::vector<std::string>>& feeds) {
  if (!feeds) {
    return unavailable("the broker cannot read its feeds now; try again later");
  }
  const auto collections = readable_collections(asked.org, feeds.value());
  if (asked.route.endpoint == Endpoint::kCollections) {
    return document(collections_document(collections));
  }
  const auto found = std::find_if(collections.begin(), collections.end(),
                                  [&](const Collection& c) { return c.id == asked.route.collection_id; });
  if (found == collections.end()) {
    // Whether it does not exist or is not for this organisation, the answer
    // is the same: the difference would reveal a feed's existence.
    return error_answer(404, "Collection not found",
                        "no collection " + asked.route.collection_id + " that organisation '" + asked.org.name() +
                            "' may read");
  }
  if (!is_paged(asked.route.endpoint)) {
    return document(collection_document(*found));
  }
  return *found;
}

PageRequest page_request(const Asked& asked, const Collection& collection, ObjectQuery query) {
  PageRequest request;
  request.registry = asked.registry;
  request.reader = &asked.org;
  request.feed = collection.feed;
  request.query = std::move(query);
  request.max_scan_reports = asked.settings.max_scan_reports;
  request.channel = asked.route.endpoint == Endpoint::kManifest ? "taxii-manifest" : "taxii";
  return request;
}

Answer answer_for_page(const Asked& asked, const std::string& feed, const Result<CollectionPage>& page) {
  if (!page) {
    log::warn("taxii.page_failed", {{"taxii_conn", asked.request.connection},
                                    {"org", asked.org.name()},
                                    {"feed", feed},
                                    {"error", page.error().message}});
    return unavailable(page.error().message);
  }
  log::info("taxii.page", {{"taxii_conn", asked.request.connection},
                           {"org", asked.org.name()},
                           {"feed", feed},
                           {"endpoint", endpoint_name(asked.route.endpoint)},
                           {"objects", page.value().entries.size()},
                           {"reports_served", page.value().reports_served},
                           {"reports_withheld", page.value().reports_withheld},
                           {"more", page.value().more ? "true" : "false"}});
  return page_answer(asked, page.value());
}

boost::asio::awaitable<Result<std::vector<std::string>>> list_feeds(Services& services) {
  co_return co_await await_storage<std::vector<std::string>>(
      [&services](auto executor, auto done) { services.storage.list_feeds(executor, std::move(done)); });
}

// Kept small: the work is in the plain functions above (large coroutine
// bodies draw false -Wmismatched-new-delete warnings from g++ 12).
boost::asio::awaitable<Answer> collection_endpoint(const Asked& asked) {
  ObjectQuery query;
  if (is_paged(asked.route.endpoint)) {
    auto parsed = query_for(asked);
    if (auto* refused = std::get_if<Answer>(&parsed)) {
      co_return std::move(*refused);
    }
    query = std::move(std::get<ObjectQuery>(parsed));
  }
  const auto feeds = co_await list_feeds(asked.services);
  auto picked = pick_collection(asked, feeds);
  if (auto* answered = std::get_if<Answer>(&picked)) {
    co_return std::move(*answered);
  }
  const Collection collection = std::get<Collection>(std::move(picked));
  const auto page = co_await read_collection_page(asked.services, page_request(asked, collection, std::move(query)));
  co_return answer_for_page(asked, collection.feed, page);
}

}  // namespace

Answer error_answer(unsigned status, std::string_view title, std::string_view description) {
  Answer answered;
  answered.status = status;
  answered.body = error_document(status, title, description);
  return answered;
}

boost::asio::awaitable<Answer> answer(Services& services, const TaxiiSettings& settings, Request request) {
  const auto registry = services.registry.current();
  const PeerIdentity peer = net::identify_pin(request.pin, *registry);
  if (auto refused = refuse_identity(peer, request)) {
    co_return std::move(*refused);
  }
  if (!request.is_get) {
    auto refused = error_answer(405, "Method not allowed",
                                "this TAXII server is read-only: " + request.method.substr(0, 16) +
                                    " is not served; reports are published with the weft protocol");
    refused.headers.emplace_back("Allow", "GET");
    co_return refused;
  }
  const auto route = route_for(request.target);
  if (!route) {
    co_return error_answer(404, "Not found", "nothing is served at " + path_of(request.target).substr(0, 200));
  }
  if (!accepts_taxii_json(request.accept)) {
    co_return error_answer(406, "Not acceptable",
                           "this server answers with " + std::string(kTaxiiMediaType) +
                               "; the Accept header does not allow it");
  }
  const Asked asked{services, settings, registry, *peer.org, request, *route};
  log::debug("taxii.request", {{"taxii_conn", request.connection},
                               {"org", peer.org->name()},
                               {"endpoint", endpoint_name(route->endpoint)}});
  switch (route->endpoint) {
    case Endpoint::kDiscovery:
      co_return document(discovery_document(api_root_url(request.host)));
    case Endpoint::kApiRoot:
      co_return document(api_root_document(settings.max_body_bytes));
    default:
      co_return co_await collection_endpoint(asked);
  }
}

}  // namespace weft::broker::taxii
