// The BGP wire format's building blocks, shared by the message codecs of this library
// (bgp_message.cc, update_codec.cc, path_attributes.cc) and by nothing else: a bounds-checked
// reader, big-endian writers, message framing, NLRI prefixes, and the path attribute codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/bgp_message.h"

namespace hitless::bgp::wire {

// Path attribute type codes and flags (RFC 4271 §4.3, 4760, 1997).
enum : uint8_t {
  kAttrOrigin = 1,
  kAttrAsPath = 2,
  kAttrNextHop = 3,
  kAttrMed = 4,
  kAttrLocalPref = 5,
  kAttrAtomicAggregate = 6,
  kAttrAggregator = 7,
  kAttrCommunities = 8,
  kAttrMpReach = 14,
  kAttrMpUnreach = 15,
};
enum : uint8_t { kFlagOptional = 0x80, kFlagTransitive = 0x40, kFlagExtendedLength = 0x10 };
enum : uint8_t { kAsSet = 1, kAsSequence = 2 };
enum : uint8_t { kOptParamCapabilities = 2 };
enum : uint8_t {
  kCapMultiprotocol = 1,
  kCapRouteRefresh = 2,
  kCapGracefulRestart = 64,
  kCapFourOctetAs = 65,
};

// Bounds-checked big-endian reader over a byte range.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  size_t left() const { return b_.size() - pos_; }
  bool u8(uint8_t* v) {
    if (left() < 1) return false;
    *v = static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool u16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(byte(0) << 8 | byte(1));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t* v) {
    if (left() < 4) return false;
    *v = uint32_t{byte(0)} << 24 | uint32_t{byte(1)} << 16 | uint32_t{byte(2)} << 8 | byte(3);
    pos_ += 4;
    return true;
  }
  bool take(size_t n, std::string_view* out) {
    if (left() < n) return false;
    *out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  uint8_t byte(size_t i) const { return static_cast<uint8_t>(b_[pos_ + i]); }
  std::string_view b_;
  size_t pos_ = 0;
};

inline void put8(std::string* o, uint8_t v) { o->push_back(static_cast<char>(v)); }
inline void put16(std::string* o, uint16_t v) {
  put8(o, static_cast<uint8_t>(v >> 8));
  put8(o, static_cast<uint8_t>(v));
}
inline void put32(std::string* o, uint32_t v) {
  put16(o, static_cast<uint16_t>(v >> 16));
  put16(o, static_cast<uint16_t>(v));
}
inline void set16(std::string* o, size_t at, uint16_t v) {
  (*o)[at] = static_cast<char>(v >> 8);
  (*o)[at + 1] = static_cast<char>(v);
}

// Starts a message; finishHeader() fills in the length once the body is written.
inline size_t beginMessage(std::string* out, MessageType type) {
  size_t start = out->size();
  out->append(16, '\xff');
  put16(out, 0);
  put8(out, static_cast<uint8_t>(type));
  return start;
}
inline void finishMessage(std::string* out, size_t start) {
  set16(out, start + 16, static_cast<uint16_t>(out->size() - start));
}

template <typename T>
Decoded<T> fail(uint8_t code, uint8_t subcode, std::string reason, std::string data = {}) {
  Decoded<T> d;
  d.error = {code, subcode, std::move(data), std::move(reason)};
  return d;
}

// NLRI encoding (RFC 4271 §4.3): length in bits, then the significant bytes. Host bits beyond
// the length are cleared (the prefix is canonical). False, with why, on a malformed field.
bool readPrefixes(std::string_view bytes, net::Family family, std::vector<net::IpPrefix>* out,
                  std::string* why);

inline void writePrefix(const net::IpPrefix& p, std::string* out) {
  put8(out, p.length);
  out->append(reinterpret_cast<const char*>(p.address.bytes.data()), (p.length + 7u) / 8u);
}
inline size_t prefixBytes(const net::IpPrefix& p) { return 1 + (p.length + 7u) / 8u; }

inline std::optional<AfiSafi> readAfiSafi(Reader& r) {
  uint16_t afi;
  uint8_t safi;
  if (!r.u16(&afi) || !r.u8(&safi)) return std::nullopt;
  return AfiSafi{afi, safi};
}

}  // namespace hitless::bgp::wire
