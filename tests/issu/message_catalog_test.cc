#include "issu/message_catalog.h"

#include <gtest/gtest.h>

namespace hitless::issu {
namespace {

// Transforms that record the path taken: each appends a marker.
Result<std::string> up1(wire::ByteView p) { return std::string(p) + "+u1"; }
Result<std::string> up2(wire::ByteView p) { return std::string(p) + "+u2"; }
Result<std::string> down1(wire::ByteView p) { return std::string(p) + "-d1"; }
Result<std::string> down2(wire::ByteView p) { return std::string(p) + "-d2"; }
Result<std::string> broken(wire::ByteView) { return Status::corruption("cannot transform"); }

MessageCatalog threeVersions() {
  MessageCatalog c;
  EXPECT_TRUE(c.addClient(7, "test client", true).isOk());
  EXPECT_TRUE(c.addMessage(7, {1, "thing", 1, 3, 0}, {&up1, &up2}, {&down1, &down2}).isOk());
  return c;
}

TEST(MessageCatalog, ConvertRunsTheAdjacentChainInOrder) {
  MessageCatalog c = threeVersions();
  EXPECT_EQ(*c.convert(7, 1, "x", 1, 3), "x+u1+u2");
  EXPECT_EQ(*c.convert(7, 1, "x", 3, 1), "x-d2-d1");
  EXPECT_EQ(*c.convert(7, 1, "x", 2, 3), "x+u2");
  EXPECT_EQ(*c.convert(7, 1, "x", 2, 2), "x");
}

TEST(MessageCatalog, RejectsVersionsOutsideTheRangeAndUnknownMessages) {
  MessageCatalog c = threeVersions();
  auto r = c.convert(7, 1, "x", 4, 3);
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("(1~3)"), std::string::npos);
  EXPECT_EQ(c.convert(7, 9, "x", 1, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.convert(8, 1, "x", 1, 1).status().code(), StatusCode::kNotFound);
}

TEST(MessageCatalog, TransformErrorsPropagate) {
  MessageCatalog c;
  ASSERT_TRUE(c.addClient(7, "test client", true).isOk());
  ASSERT_TRUE(c.addMessage(7, {1, "thing", 1, 2, 0}, {&broken}, {&down1}).isOk());
  EXPECT_EQ(c.convert(7, 1, "x", 1, 2).status().code(), StatusCode::kCorruption);
}

TEST(MessageCatalog, NativeVersionIsTheTopOfTheRange) {
  MessageCatalog c = threeVersions();
  EXPECT_EQ(c.nativeVersion(7, 1), 3);
  EXPECT_EQ(c.nativeVersion(7, 9), 0);
  EXPECT_EQ(c.nativeVersion(8, 1), 0);
}

TEST(MessageCatalog, AVersionReadDirectlyIsHandedOverAsItCame) {
  MessageCatalog c = threeVersions();
  // By default everything older is converted to the native version first.
  EXPECT_EQ(c.readableVersion(7, 1, 1), 3);
  EXPECT_EQ(c.readableVersion(7, 1, 3), 3);
  ASSERT_TRUE(c.readsDirectly(7, 1, 2).isOk());
  EXPECT_EQ(c.readableVersion(7, 1, 1), 3) << "v1 is still converted";
  EXPECT_EQ(c.readableVersion(7, 1, 2), 2);
  EXPECT_EQ(c.readableVersion(7, 1, 3), 3);
  EXPECT_EQ(c.readableVersion(7, 1, 4), 3) << "outside the range: convert reports the error";
  EXPECT_EQ(c.readsDirectly(7, 1, 4).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.readsDirectly(7, 9, 1).code(), StatusCode::kNotFound);
}

TEST(MessageCatalog, RegistrationIsChecked) {
  MessageCatalog c;
  EXPECT_EQ(c.addMessage(7, {1, "thing", 1, 1, 0}, {}, {}).code(), StatusCode::kNotFound);
  ASSERT_TRUE(c.addClient(7, "test client", true).isOk());
  EXPECT_EQ(c.addClient(7, "again", true).code(), StatusCode::kAlreadyExists);
  // A range of two versions needs one transform each way.
  EXPECT_EQ(c.addMessage(7, {1, "thing", 1, 2, 0}, {&up1}, {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.addMessage(7, {1, "thing", 2, 1, 0}, {}, {}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(c.addMessage(7, {2, "later", 1, 1, 0}, {}, {}).isOk());
  ASSERT_TRUE(c.addMessage(7, {1, "thing", 1, 1, 0}, {}, {}).isOk());
  EXPECT_EQ(c.addMessage(7, {1, "thing", 1, 1, 0}, {}, {}).code(), StatusCode::kAlreadyExists);
  // Kept sorted, so the advertised set validates.
  EXPECT_TRUE(c.messageSet().validate().isOk());
  EXPECT_EQ(c.messageSet().clients[0].messages[0].type, 1);
}

}  // namespace
}  // namespace hitless::issu
