#include "state/digest.h"

#include <bit>
#include <cstring>

namespace hitless::state {
namespace {

// Digests are compared across processes and releases: the words below are read little-endian.
static_assert(std::endian::native == std::endian::little);

// The last `bytes.size() % 8` bytes as a little-endian word (what a memcpy of them into a zeroed
// uint64_t gives on x86), without a call to memcpy for a length known only at run time: from
// one 8-byte load ending at the last byte when the entry has 8, else byte by byte.
inline uint64_t tailWord(std::string_view bytes) {
  const size_t rest = bytes.size() % 8;
  if (rest == 0) return 0;
  if (bytes.size() >= 8) {
    uint64_t last;
    std::memcpy(&last, bytes.data() + bytes.size() - 8, 8);
    return last >> (8 * (8 - rest));
  }
  uint64_t tail = 0;
  for (size_t k = 0; k < rest; ++k) {
    tail |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[k])) << (8 * k);
  }
  return tail;
}

}  // namespace

uint64_t hash64(std::string_view bytes, uint64_t seed) {
  uint64_t h = mix64(seed ^ (bytes.size() * 0x9e3779b97f4a7c15ULL));
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  return mix64(h ^ tailWord(bytes) ^ (static_cast<uint64_t>(bytes.size() - i) << 56));
}

namespace {

// hash64(entry, kSeedA) and hash64(entry, kSeedB) in one pass: the two dependency chains run
// side by side (one per change on each RP, on the replication hot path).
constexpr uint64_t kSeedA = 0x243f6a8885a308d3ULL, kSeedB = 0x13198a2e03707344ULL;

void hashPair(std::string_view bytes, uint64_t* a, uint64_t* b) {
  const uint64_t len = bytes.size() * 0x9e3779b97f4a7c15ULL;
  uint64_t ha = mix64(kSeedA ^ len), hb = mix64(kSeedB ^ len);
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    ha = mix64(ha ^ w) + 0x9e3779b97f4a7c15ULL;
    hb = mix64(hb ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  const uint64_t tail = tailWord(bytes) ^ (static_cast<uint64_t>(bytes.size() - i) << 56);
  *a = mix64(ha ^ tail);
  *b = mix64(hb ^ tail);
}

}  // namespace

void StateDigest::add(std::string_view entry) {
  uint64_t a, b;
  hashPair(entry, &a, &b);
  sum_a_ += a;
  xor_a_ ^= a;
  sum_b_ += b;
  ++count_;
}

void StateDigest::remove(std::string_view entry) {
  uint64_t a, b;
  hashPair(entry, &a, &b);
  sum_a_ -= a;
  xor_a_ ^= a;
  sum_b_ -= b;
  --count_;
}

std::string StateDigest::bytes() const {
  std::string out(32, '\0');
  uint64_t words[4] = {sum_a_, xor_a_, sum_b_, count_};
  std::memcpy(out.data(), words, 32);
  return out;
}

}  // namespace hitless::state
