// StateDigest: an order-independent, incrementally maintained fingerprint of a set of entries.
// Adding or removing an entry costs one hash of its canonical bytes; two replicas holding the same
// entries have the same digest whatever order they were built in. 256 bits from two independent
// 64-bit hashes (sum and xor of each) plus the count: not cryptographic — it detects divergence
// from bugs and lost messages, not an adversary (the channel is a local 0600 socket).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hitless::state {

// splitmix64's finaliser: full avalanche for a 64-bit input (the digest's hashes and the prefix
// index's are built of it).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t hash64(std::string_view bytes, uint64_t seed);

class StateDigest {
 public:
  void add(std::string_view entry_bytes);
  void remove(std::string_view entry_bytes);
  void clear() { *this = StateDigest(); }

  uint64_t count() const { return count_; }
  std::string bytes() const;  // 32 bytes
  bool operator==(const StateDigest&) const = default;

 private:
  uint64_t sum_a_ = 0, xor_a_ = 0, sum_b_ = 0, count_ = 0;
};

}  // namespace hitless::state
