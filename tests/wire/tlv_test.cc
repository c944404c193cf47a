#include "wire/tlv.h"

#include <gtest/gtest.h>

namespace hitless::wire {
namespace {

TEST(Varint, RoundTripsBoundaries) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{16383},
                     uint64_t{16384}, uint64_t{UINT32_MAX}, UINT64_MAX - 1, UINT64_MAX}) {
    std::string buf;
    appendVarint(&buf, v);
    EXPECT_EQ(buf.size(), varintSize(v));
    size_t pos = 0;
    auto got = readVarint(buf, &pos);
    ASSERT_TRUE(got.isOk()) << v;
    EXPECT_EQ(*got, v);
    EXPECT_EQ(pos, buf.size());
  }
}

TEST(Varint, RejectsTruncationAndOverflow) {
  size_t pos = 0;
  EXPECT_EQ(readVarint(std::string("\x80\x80", 2), &pos).status().code(), StatusCode::kCorruption);
  pos = 0;
  std::string eleven(10, '\xff');
  eleven += '\x01';
  EXPECT_FALSE(readVarint(eleven, &pos).isOk());
  pos = 0;
  std::string over(9, '\xff');
  over += '\x02';  // bit 64 set
  EXPECT_FALSE(readVarint(over, &pos).isOk());
}

TEST(Tlv, WritesAndReadsFieldsIncludingNested) {
  std::string buf;
  TlvWriter w(&buf);
  w.addUint(1, 300);
  w.addBytes(2, "abc");
  size_t t = w.beginNested(3);
  w.addUint(1, 7);
  w.endNested(t);

  TlvReader r(buf);
  TlvField f;
  ASSERT_TRUE(*r.next(&f));
  EXPECT_EQ(f.tag, 1u);
  EXPECT_EQ(*f.asUint(), 300u);
  ASSERT_TRUE(*r.next(&f));
  EXPECT_EQ(f.value, "abc");
  ASSERT_TRUE(*r.next(&f));
  EXPECT_EQ(f.tag, 3u);
  TlvReader inner(f.value);
  TlvField g;
  ASSERT_TRUE(*inner.next(&g));
  EXPECT_EQ(*g.asUint(), 7u);
  EXPECT_FALSE(*inner.next(&g));
  EXPECT_FALSE(*r.next(&f));
}

TEST(Tlv, EveryTruncationIsAnErrorNotACrash) {
  std::string buf;
  TlvWriter w(&buf);
  w.addUint(1, 123456);
  w.addBytes(2, std::string(200, 'z'));
  for (size_t n = 1; n < buf.size(); ++n) {
    TlvReader r(std::string_view(buf).substr(0, n));
    TlvField f;
    bool failed = false;
    for (int i = 0; i < 3 && !failed; ++i) {
      auto more = r.next(&f);
      if (!more.isOk())
        failed = true;
      else if (!*more)
        break;
    }
    // Cutting inside a field must fail; cutting exactly between fields reads a shorter record.
    size_t first_field_end = 1 + 1 + varintSize(123456);
    if (n != first_field_end) {
      EXPECT_TRUE(failed) << "prefix of " << n << " bytes";
    }
  }
}

TEST(Tlv, RejectsTagZeroAndOverlongLength) {
  TlvField f;
  std::string zero_tag("\x00\x01\x05", 3);
  EXPECT_FALSE(TlvReader(zero_tag).next(&f).isOk());
  std::string too_long("\x01\x7f\x00", 3);
  auto r = TlvReader(too_long).next(&f);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("claims 127 bytes"), std::string::npos);
}

TEST(Tlv, UintValueMustFillItsFieldAndFitTheLimit) {
  TlvField f{1, std::string_view("\x05\x00", 2)};
  EXPECT_FALSE(f.asUint().isOk());
  TlvField g{1, std::string_view("\xac\x02", 2)};  // 300
  EXPECT_FALSE(g.asUint(255).isOk());
  EXPECT_EQ(*g.asUint(300), 300u);
}

}  // namespace
}  // namespace hitless::wire
