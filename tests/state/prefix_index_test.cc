#include "state/prefix_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace hitless::state {
namespace {

net::IpPrefix prefixOf(uint32_t n, bool v6) {
  net::IpAddress a;
  if (v6) {
    a.family = net::Family::kIpv6;
    a.bytes[0] = 0x20;
    a.bytes[1] = 0x01;
    a.bytes[12] = static_cast<uint8_t>(n >> 24);
    a.bytes[13] = static_cast<uint8_t>(n >> 16);
    a.bytes[14] = static_cast<uint8_t>(n >> 8);
    a.bytes[15] = static_cast<uint8_t>(n);
    return *net::IpPrefix::make(a, 128);
  }
  return *net::IpPrefix::make(net::IpAddress::v4(0xC6120000u + n), 32);
}

// The index keeps no keys: these tests' owner maps value n to prefixOf(n, v6(n)).
auto keysOf(bool (*v6)(uint32_t)) {
  return [v6](uint32_t n) { return prefixOf(n, v6(n)); };
}
bool neverV6(uint32_t) { return false; }
bool evenV6(uint32_t n) { return n % 2 == 0; }

// Random inserts and erases against std::map as the model; a fixed seed replays a failure.
TEST(PrefixIndex, AgreesWithAModelUnderRandomChurn) {
  std::mt19937 rng(20261125);
  PrefixIndex index;
  std::map<net::IpPrefix, uint32_t> model;
  std::vector<net::IpPrefix> keys;  // value (the step that inserted it) -> prefix
  auto key_at = [&keys](uint32_t v) -> const net::IpPrefix& { return keys.at(v); };
  for (int step = 0; step < 200000; ++step) {
    net::IpPrefix p = prefixOf(rng() % 5000, rng() % 4 == 0);
    keys.push_back(p);
    bool present = model.count(p) > 0;
    ASSERT_EQ(index.find(p, key_at), present ? model[p] : PrefixIndex::kNone) << step;
    if (!present && rng() % 3 != 0) {
      index.insert(p, static_cast<uint32_t>(step));
      model[p] = static_cast<uint32_t>(step);
    } else if (present) {
      ASSERT_EQ(index.erase(p, key_at), model[p]);
      model.erase(p);
    } else {
      ASSERT_EQ(index.erase(p, key_at), PrefixIndex::kNone);
    }
    ASSERT_EQ(index.size(), model.size());
  }
  for (const auto& [p, v] : model) EXPECT_EQ(index.find(p, key_at), v);
}

TEST(PrefixIndex, ReserveAndClear) {
  PrefixIndex index;
  auto key_at = keysOf(neverV6);
  index.reserve(1000);
  for (uint32_t i = 0; i < 1000; ++i) index.insert(prefixOf(i, false), i);
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_EQ(index.find(prefixOf(999, false), key_at), 999u);
  // Same address, different length: a different key.
  EXPECT_EQ(index.find(*net::IpPrefix::make(net::IpAddress::v4(0xC6120000u), 31), key_at),
            PrefixIndex::kNone);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(prefixOf(1, false), key_at), PrefixIndex::kNone);
}

// Growth moves entries a few at a time: while a migration runs, every entry must stay findable
// and erasable in whichever table holds it, and inserts must not duplicate a key.
TEST(PrefixIndex, EntriesStayReachableWhileTheTableGrows) {
  PrefixIndex index;
  auto key_at = keysOf(evenV6);
  std::mt19937 rng(7);
  size_t saw_migration = 0;
  uint32_t erased_below = 0;  // keys [0, erased_below) with key % 3 == 0 were erased
  for (uint32_t i = 0; i < 300000; ++i) {
    index.insert(prefixOf(i, i % 2 == 0), i);
    if (index.migrating()) ++saw_migration;
    uint32_t probe = rng() % (i + 1);
    bool gone = probe < erased_below && probe % 3 == 0;
    ASSERT_EQ(index.find(prefixOf(probe, probe % 2 == 0), key_at),
              gone ? PrefixIndex::kNone : probe)
        << i;
    if (i % 1000 == 999) {
      // Erase every third key of the last thousand, some of them still in the old table.
      for (uint32_t k = erased_below; k <= i; ++k) {
        if (k % 3 == 0) {
          ASSERT_EQ(index.erase(prefixOf(k, k % 2 == 0), key_at), k) << k;
        }
      }
      erased_below = i + 1;
    }
  }
  EXPECT_GT(saw_migration, 0u) << "the test never caught a migration in progress";
  size_t live = 0;
  for (uint32_t k = 0; k < 300000; ++k) {
    uint32_t want = k % 3 == 0 ? PrefixIndex::kNone : k;
    ASSERT_EQ(index.find(prefixOf(k, k % 2 == 0), key_at), want) << k;
    live += want != PrefixIndex::kNone;
  }
  EXPECT_EQ(index.size(), live);
}

TEST(PrefixIndex, CopiesAreIndependent) {
  PrefixIndex a;
  auto key_at = keysOf(neverV6);
  for (uint32_t i = 0; i < 100; ++i) a.insert(prefixOf(i, false), i);
  PrefixIndex b = a;
  b.erase(prefixOf(5, false), key_at);
  EXPECT_EQ(a.find(prefixOf(5, false), key_at), 5u);
  EXPECT_EQ(b.find(prefixOf(5, false), key_at), PrefixIndex::kNone);
}

}  // namespace
}  // namespace hitless::state
