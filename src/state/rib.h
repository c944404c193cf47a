// Rib: the routing table as plain data — prefix -> Route — with an incrementally maintained
// digest so two replicas can prove they agree without comparing entry by entry.
//
// The digest hashes each route's canonical encoding at `digest_version`: two images holding the
// same routes at different native versions agree when both hash at the session's negotiated
// version (a v1 image cannot represent v2-only fields). Not thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "issu/message_set.h"
#include "net/route.h"
#include "state/digest.h"
#include "state/prefix_index.h"
#include "state/slot_table.h"

namespace hitless::state {

// One change: a route added or replaced, or a prefix removed (only route.prefix is meaningful).
struct RibChange {
  enum Op : uint8_t { kUpsert, kWithdraw };
  Op op = kUpsert;
  net::Route route;
  bool operator==(const RibChange&) const = default;
};

// An ordered change set. The same value feeds the checkpoint stream, the FIB agent and the
// tests (STYLE.md #8); order matters when one prefix changes twice in a set.
struct RibDelta {
  std::vector<RibChange> changes;
  void upsert(net::Route r) { changes.push_back({RibChange::kUpsert, std::move(r)}); }
  void withdraw(const net::IpPrefix& p) {
    RibChange c{RibChange::kWithdraw, {}};
    c.route.prefix = p;
    changes.push_back(std::move(c));
  }
  bool empty() const { return changes.empty(); }
  size_t size() const { return changes.size(); }
};

class Rib {
 public:
  explicit Rib(issu::MessageVersion digest_version = 1) : digest_version_(digest_version) {}

  // Return whether the table changed. The rvalue form moves the route in (a standby applying a
  // decoded checkpoint owns it: no copy of its next hops).
  bool upsert(const net::Route& route);
  bool upsert(net::Route&& route);
  bool withdraw(const net::IpPrefix& prefix);
  void apply(const RibDelta& delta);
  // Hint: `prefix` will be upserted or withdrawn soon (see PrefixIndex::prefetch).
  void prefetch(const net::IpPrefix& prefix) const { index_.prefetch(prefix); }
  void clear();
  void reserve(size_t routes);

  const net::Route* find(const net::IpPrefix& prefix) const;
  size_t size() const { return index_.size(); }
  // The digest at digestVersion(). While a change of version is in progress (below) it is still
  // the previous version's.
  const StateDigest& digest() const { return digest_; }
  issu::MessageVersion digestVersion() const { return digest_version_; }
  // Recomputes the digest at another version, O(n) in one call.
  void setDigestVersion(issu::MessageVersion version);
  // The same in pieces, for a table too big for one loop turn: begin, then continue with up to
  // `max_positions` positions per call until it returns true, when digest() is at `version`.
  // Changes meanwhile keep both digests right (one behind the walk counts in the new one too).
  void beginDigestVersion(issu::MessageVersion version);
  bool continueDigestVersion(size_t max_positions);
  bool digestChanging() const { return next_.has_value(); }

  void forEach(const std::function<void(const net::Route&)>& fn) const;
  // Positional access to the dense storage, for walking the table without lookups (bulk sync).
  // A position holds one route or nothing; positions stay stable while routes come and go.
  size_t positions() const { return routes_.positions(); }
  const net::Route* atPosition(size_t i) const {
    return routes_[i].prefix.address.family == net::Family::kNone ? nullptr : &routes_[i];
  }
  // fn for each route at positions [from, from + max_positions): one piece of a walk spread over
  // loop turns. Returns where the next piece starts (positions() once the walk is done).
  template <typename Fn>
  size_t forEachRouteAt(size_t from, size_t max_positions, Fn&& fn) const {
    const size_t end = std::min(positions(), from + max_positions);
    for (size_t i = from; i < end; ++i) {
      if (const net::Route* r = atPosition(i)) fn(*r);
    }
    return end;
  }
  std::vector<net::IpPrefix> prefixes() const;
  // Entries sorted by prefix: for comparisons in tests and `show ip route`.
  std::vector<net::Route> sorted() const;

 private:
  template <typename R>
  bool store(R&& route);
  std::string_view canonical(const net::Route& r, issu::MessageVersion version);
  std::string_view canonical(const net::Route& r) { return canonical(r, digest_version_); }
  // Position `at` holds `r`, added (+1) or removed (-1): the digest at the next version counts
  // it only once the walk has passed that position (it adds it itself otherwise).
  void trackNext(uint32_t at, const net::Route& r, int sign);
  // The index's key of a position: the route's prefix.
  auto keyAt() const {
    return [this](uint32_t at) -> const net::IpPrefix& { return routes_[at].prefix; };
  }

  // A withdrawn route's position holds a Route{} (prefix family kNone) until reused.
  SlotTable<net::Route> routes_;
  PrefixIndex index_;
  StateDigest digest_;
  issu::MessageVersion digest_version_;
  struct NextDigest {
    issu::MessageVersion version;
    StateDigest digest;  // of positions [0, walked)
    size_t walked = 0;
  };
  std::optional<NextDigest> next_;
  std::string scratch_;
};

// The running configuration as path -> value, with the same kind of digest.
class ConfigStore {
 public:
  bool set(const std::string& path, const std::string& value);
  bool erase(const std::string& path);
  void clear();
  const std::string* get(const std::string& path) const;
  size_t size() const { return items_.size(); }
  const StateDigest& digest() const { return digest_; }
  const std::unordered_map<std::string, std::string>& items() const { return items_; }

 private:
  static std::string entry(const std::string& path, const std::string& value);
  std::unordered_map<std::string, std::string> items_;
  StateDigest digest_;
};

}  // namespace hitless::state
