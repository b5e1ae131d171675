#include "formats/identifiers.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include <google/protobuf/util/time_util.h>

namespace weft::formats {
namespace {

// weft's namespace for name-based UUIDs (itself a random v4 UUID).
constexpr std::array<unsigned char, 16> kWeftNamespace = {0x6f, 0x1c, 0x0e, 0x52, 0x9a, 0x37, 0x4e, 0x0b,
                                                          0x8d, 0x2b, 0x51, 0x7c, 0x3a, 0x64, 0xe9, 0x10};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string name_based_uuid(std::string_view name) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool hashed = context != nullptr && EVP_DigestInit_ex(context, EVP_sha1(), nullptr) == 1 &&
                      EVP_DigestUpdate(context, kWeftNamespace.data(), kWeftNamespace.size()) == 1 &&
                      EVP_DigestUpdate(context, name.data(), name.size()) == 1 &&
                      EVP_DigestFinal_ex(context, digest.data(), &digest_size) == 1;
  EVP_MD_CTX_free(context);
  if (!hashed) {
    std::abort();  // SHA-1 is always there in OpenSSL 3's default provider
  }
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", digest[static_cast<std::size_t>(i)]);
    out.append(hex, 2);
  }
  return out;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string rfc3339_millis(const google::protobuf::Timestamp& time) {
  google::protobuf::Timestamp millis = time;
  millis.set_nanos(time.nanos() / 1'000'000 * 1'000'000);
  // TimeUtil prints 0, 3, 6 or 9 fraction digits; STIX wants exactly 3.
  std::string text = google::protobuf::util::TimeUtil::ToString(millis);
  const auto dot = text.find('.');
  if (dot == std::string::npos) {
    text.insert(text.size() - 1, ".000");
  }
  return text;
}

std::optional<google::protobuf::Timestamp> parse_rfc3339(std::string_view text) {
  google::protobuf::Timestamp out;
  if (!google::protobuf::util::TimeUtil::FromString(std::string(text), &out)) {
    return std::nullopt;
  }
  return out;
}

std::string_view tlp_level_name(v1::Tlp tlp) {
  switch (tlp) {
    case v1::CLEAR:
      return "clear";
    case v1::GREEN:
      return "green";
    case v1::AMBER:
      return "amber";
    case v1::AMBER_STRICT:
      return "amber+strict";
    case v1::RED:
      return "red";
    default:
      return "";
  }
}

v1::Tlp tlp_from_level_name(std::string_view name) {
  const std::string level = lower(name);
  if (level == "clear" || level == "white") {
    return v1::CLEAR;
  }
  if (level == "green") {
    return v1::GREEN;
  }
  if (level == "amber") {
    return v1::AMBER;
  }
  if (level == "amber+strict") {
    return v1::AMBER_STRICT;
  }
  if (level == "red") {
    return v1::RED;
  }
  return v1::TLP_UNSPECIFIED;
}

}  // namespace weft::formats
