// ConfigClient between an active and a standby in one process (SyncPair): changes reach the
// standby before they are reported synced, watchers refuse changes before anything moves, the
// bulk brings a new standby to the same items and digest, a cold takeover reloads the startup
// configuration.
#include "rpd/config_client.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "messages/wire_numbers.h"
#include "rpd/sync_pair.h"
#include "util/temp_dir.h"

namespace hitless::rpd {
namespace {

using testing::SyncPair;

class ConfigClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_.addActive(active_);
    pair_.addStandby(standby_);
    ASSERT_TRUE(pair_.connect());
  }
  ChangeResult set(const std::string& path, const std::string& value, bool erase = false) {
    std::optional<ChangeResult> result;
    active_.set(path, value, erase, [&](ChangeResult r) { result = r; });
    EXPECT_TRUE(pair_.runUntil([&] { return result.has_value(); }));
    return result.value_or(ChangeResult{Status::internal("no answer"), 0, false});
  }

  SyncPair pair_;
  ConfigClient active_{pair_.link(), ""};
  ConfigClient standby_{pair_.link(), ""};  // never writes: it only receives
};

TEST_F(ConfigClientTest, AChangeIsAcknowledgedByTheStandbyBeforeItIsReported) {
  ChangeResult r = set("hostname", "rtr1");
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_TRUE(r.synced);
  ASSERT_NE(standby_.store().get("hostname"), nullptr);
  EXPECT_EQ(*standby_.store().get("hostname"), "rtr1");
  EXPECT_TRUE(set("hostname", "", true).synced);
  EXPECT_EQ(standby_.store().get("hostname"), nullptr);
  EXPECT_EQ(standby_.digest()->digest, active_.digest()->digest);
}

TEST_F(ConfigClientTest, AWatcherRefusesAChangeBeforeAnythingMoves) {
  int changed = 0;
  active_.watch(
      "bgp.",
      [](const ConfigClient::Items& items) {
        return items.count("bgp.asn") && items.at("bgp.asn") == "0"
                   ? Status::invalidArgument("bgp.asn must not be 0")
                   : Status::ok();
      },
      [&] { ++changed; });
  EXPECT_TRUE(set("bgp.asn", "65001").status.isOk());
  EXPECT_EQ(changed, 1);
  ChangeResult refused = set("bgp.asn", "0");
  EXPECT_EQ(refused.status.message(), "bgp.asn must not be 0");
  EXPECT_EQ(changed, 1);
  EXPECT_EQ(*active_.store().get("bgp.asn"), "65001");
  EXPECT_EQ(*standby_.store().get("bgp.asn"), "65001");
  EXPECT_TRUE(set("hostname", "x").status.isOk());
  EXPECT_EQ(changed, 1) << "only changes under the watched prefix are reported";
}

TEST_F(ConfigClientTest, BulkBringsANewStandbyToTheSameItems) {
  for (int i = 0; i < 100; ++i) set("item." + std::to_string(i), std::to_string(i * i));
  ConfigClient fresh(pair_.link(), "");
  SyncPair second;
  second.addActive(active_);
  second.addStandby(fresh);
  ASSERT_TRUE(second.connect());
  ASSERT_TRUE(second.bulkSync(/*batch=*/7));
  EXPECT_EQ(fresh.store().items(), active_.store().items());
  EXPECT_EQ(second.bulk_events, (std::vector<std::string>{"begin 4", "end 4"}));
  ASSERT_TRUE(second.last_digests.has_value());
  EXPECT_TRUE(second.last_digests->match) << second.last_digests->mismatch;
}

TEST_F(ConfigClientTest, ColdTakeoverStartsFromTheStartupConfiguration) {
  testing::TempDir dir;
  ASSERT_TRUE(writeFileAtomic(dir.path() + "/startup", "# comment\nhostname = boot\n\n").isOk());
  ConfigClient c(pair_.link(), dir.path() + "/startup");
  ASSERT_TRUE(c.loadStartup().isOk());
  c.onBulkBegin(1);  // a bulk replaces everything
  EXPECT_EQ(c.store().size(), 0u);
  c.onTakeover(/*warm=*/true);
  EXPECT_EQ(c.store().size(), 0u) << "a warm takeover keeps what was synced";
  c.onTakeover(/*warm=*/false);
  EXPECT_EQ(*c.store().get("hostname"), "boot");

  ASSERT_TRUE(writeFileAtomic(dir.path() + "/bad", "hostname boot\n").isOk());
  ConfigClient bad(pair_.link(), dir.path() + "/bad");
  EXPECT_EQ(bad.loadStartup().message(), dir.path() + "/bad line 1: expected 'path = value'");
}

TEST_F(ConfigClientTest, AnUndecodableItemChangesNothing) {
  EXPECT_FALSE(standby_.stage(messages::kMsgConfigItem, "\x07\x01", 1).isOk());
  EXPECT_EQ(standby_.stage(99, "", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(standby_.store().size(), 0u);
}

}  // namespace
}  // namespace hitless::rpd
