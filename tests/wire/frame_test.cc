#include "wire/frame.h"

#include <gtest/gtest.h>

namespace hitless::wire {
namespace {

TEST(Frame, RoundTripsHeaderAndPayload) {
  std::string buf;
  appendFrame(&buf, 2028, 1, 2, "payload", 0x8000);
  ASSERT_EQ(buf.size(), kFrameHeaderSize + 7);
  auto f = parseFrame(buf);
  ASSERT_TRUE(f.isOk());
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->header, (FrameHeader{2028, 1, 2, 0x8000, 7}));
  EXPECT_EQ((*f)->payload, "payload");
}

TEST(Frame, PartialInputAsksForMore) {
  std::string buf;
  appendFrame(&buf, 3, 2, 1, "0123456789");
  for (size_t n = 0; n < buf.size(); ++n) {
    auto f = parseFrame(std::string_view(buf).substr(0, n));
    ASSERT_TRUE(f.isOk()) << n;
    EXPECT_FALSE(f->has_value()) << n;
  }
}

TEST(Frame, RejectsOversizedPayloadBeforeBufferingIt) {
  std::string buf;
  appendFrame(&buf, 3, 2, 1, std::string(100, 'x'));
  auto f = parseFrame(std::string_view(buf).substr(0, kFrameHeaderSize), 64);
  ASSERT_FALSE(f.isOk());
  EXPECT_EQ(f.status().code(), StatusCode::kCorruption);
}

TEST(Frame, RejectsVersionZero) {
  std::string buf;
  appendFrame(&buf, 3, 2, 0, "");
  EXPECT_FALSE(parseFrame(buf).isOk());
}

}  // namespace
}  // namespace hitless::wire
