// StateDigest's bytes are compared between the two RPs, which may run different releases: the
// hash may be made faster, never different. These values were computed by the first release's
// code; every release must reproduce them.
#include "state/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace hitless::state {
namespace {

std::string entryBytes() {
  std::string s;
  for (int i = 0; i < 41; ++i) s.push_back(static_cast<char>(0x30 + i * 7));
  return s;
}

std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Every length from 0 to 40 bytes: no tail, a short entry's tail, a long entry's tail.
TEST(StateDigestTest, Hash64IsTheSameInEveryRelease) {
  const std::string s = entryBytes();
  uint64_t acc = 0;
  for (size_t n = 0; n <= 40; ++n)
    acc = acc * 31 + hash64(std::string_view(s.data(), n), 0x1234 + n);
  EXPECT_EQ(acc, 0x852c0aef311692c4ULL);
}

TEST(StateDigestTest, DigestBytesAreTheSameInEveryRelease) {
  const std::string s = entryBytes();
  StateDigest d;
  for (size_t n = 0; n <= 40; ++n) d.add(std::string_view(s.data(), n));
  d.remove(std::string_view(s.data(), 17));
  EXPECT_EQ(hex(d.bytes()), "2a079896ac6a2cb36e9159b552317a6ed4ea0b00994dc37d2800000000000000");
  EXPECT_EQ(d.count(), 40u);
}

}  // namespace
}  // namespace hitless::state
