#include "issu/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "issu/manifest_fixture.h"

namespace hitless::issu {
namespace {

using testing::sampleManifest;
using testing::sampleSet;

Manifest richManifest() {
  Manifest m = sampleManifest("1.1.0", "2026-06-01");
  m.major_compat = {1};
  m.message_set = sampleSet(1, 2, true);
  m.compat_matrix = {{*SoftwareVersion::parse("1.0.0"), Compatibility::kCompatible},
                     {*SoftwareVersion::parse("0.9.0"), Compatibility::kIncompatible}};
  return m;
}

TEST(Manifest, JsonRoundTripIsLosslessAndCanonical) {
  Manifest m = richManifest();
  std::string text = m.toJson();
  auto back = Manifest::parse(text);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->toJson(), text);
}

TEST(Manifest, IgnoresMembersFromANewerWriter) {
  auto j = nlohmann::json::parse(richManifest().toJson());
  j["shiny_new_thing"] = {{"a", 1}};
  j["message_set"]["clients"][0]["future"] = true;
  auto back = Manifest::parse(j.dump());
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, richManifest());
}

TEST(Manifest, RefusesAFormatNewerThanItKnows) {
  auto j = nlohmann::json::parse(richManifest().toJson());
  j["format"] = kManifestFormat + 1;
  EXPECT_EQ(Manifest::parse(j.dump()).status().code(), StatusCode::kUnimplemented);
}

TEST(Manifest, EveryMissingRequiredMemberIsACorruptionNamingIt) {
  auto full = nlohmann::json::parse(richManifest().toJson());
  for (const char* key : {"format", "version", "release_date", "platform", "kind", "issu_capable",
                          "major_compat", "message_set", "compat_matrix", "files"}) {
    auto j = full;
    j.erase(key);
    auto r = Manifest::parse(j.dump());
    ASSERT_FALSE(r.isOk()) << key;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << key;
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().message();
  }
}

TEST(Manifest, WrongTypesAndValuesAreCorruptionNeverACrash) {
  auto full = nlohmann::json::parse(richManifest().toJson());
  std::vector<std::pair<std::string, nlohmann::json>> cases = {
      {"/version", "1.1"},
      {"/version", 11},
      {"/release_date", "2026-02-30"},
      {"/kind", "nightly"},
      {"/issu_capable", "yes"},
      {"/major_compat", "1"},
      {"/major_compat/0", "one"},
      {"/files/0/name", "../etc/passwd"},
      {"/files/0/sha256", "abc"},
      {"/files/0/size", -1},
      {"/message_set/clients/0/id", 70000},
      {"/message_set/clients/0/messages/0/min_version", 0},
      {"/message_set/clients/1/id", 2},  // duplicate client id
      {"/compat_matrix/0/compatibility", "maybe"},
      {"/compat_matrix/0/peer_version", "x"},
  };
  for (const auto& [pointer, value] : cases) {
    auto j = full;
    j[nlohmann::json::json_pointer(pointer)] = value;
    auto r = Manifest::parse(j.dump());
    EXPECT_FALSE(r.isOk()) << pointer << " = " << value.dump();
  }
  for (const char* text : {"", "{", "[]", "null", "{\"format\": 1}", "\xff\xfe"}) {
    EXPECT_FALSE(Manifest::parse(text).isOk()) << text;
  }
}

TEST(Manifest, FindsStoredCompatRows) {
  Manifest m = richManifest();
  ASSERT_NE(m.findStoredCompat(*SoftwareVersion::parse("1.0.0")), nullptr);
  EXPECT_EQ(m.findStoredCompat(*SoftwareVersion::parse("1.0.0"))->compatibility,
            Compatibility::kCompatible);
  EXPECT_EQ(m.findStoredCompat(*SoftwareVersion::parse("1.0.1")), nullptr);
}

TEST(SoftwareVersion, ParsesStrictlyAndOrdersNumerically) {
  EXPECT_LT(*SoftwareVersion::parse("1.9.0"), *SoftwareVersion::parse("1.10.0"));
  EXPECT_EQ(SoftwareVersion::parse("17.3.1")->train(), "17.3");
  for (const char* bad :
       {"", "1", "1.2", "1.2.3.4", "1..3", "a.b.c", "1.2.3-rc1", ".1.2", "1.2."}) {
    EXPECT_FALSE(SoftwareVersion::parse(bad).isOk()) << bad;
  }
}

// A package names its component and the sets of its channels; a manifest written before
// packages (no component) is an rpd image's.
TEST(Manifest, ComponentAndChannelsRoundTripAndOldManifestsAreRpd) {
  Manifest m = testing::sampleManifest("1.1.0", "2026-06-01");
  m.component = Component::kFwdd;
  m.message_set = {};
  m.channels[kChannelFib] = testing::sampleSet(1, 2);
  m.files = {{"fwdd", std::string(64, 'c'), 1}};
  auto back = Manifest::parse(m.toJson());
  ASSERT_TRUE(back.isOk()) << back.status().message();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->binaryName(), "fwdd");
  EXPECT_NE(m.toJson().find("\"product\": \"hitless-fwdd\""), std::string::npos);

  std::string old = testing::sampleManifest("1.0.0", "2026-01-15").toJson();
  size_t at = old.find("  \"component\": \"rpd\",\n");
  ASSERT_NE(at, std::string::npos);
  old.erase(at, std::string("  \"component\": \"rpd\",\n").size());
  auto legacy = Manifest::parse(old);
  ASSERT_TRUE(legacy.isOk()) << legacy.status().message();
  EXPECT_EQ(legacy->component, Component::kRpd);
  EXPECT_EQ(legacy->channel(kChannelFib), nullptr);

  std::string bad = m.toJson();
  bad.replace(bad.find("\"fwdd\""), 6, "\"toaster\"");
  EXPECT_NE(Manifest::parse(bad).status().message().find("manifest.component"), std::string::npos);
}

}  // namespace
}  // namespace hitless::issu
