// AdjRibIn: the routes one neighbor announced, as received (RFC 4271 §3.2), with graceful
// restart's stale marks. The active speaker and the standby's shadow of each session apply the
// same UPDATEs through this one class, so both hold the same table.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "bgp/bgp_message.h"
#include "state/prefix_index.h"
#include "state/slot_table.h"

namespace hitless::bgp {

class AdjRibIn {
 public:
  // Applies one UPDATE; appends every prefix whose path changed (or went) to `dirty`. A path
  // whose AS_PATH holds `local_as` is a loop (RFC 4271 §9.1.2): it counts as a withdrawal.
  void apply(const UpdateMessage& u, uint32_t local_as, std::vector<net::IpPrefix>* dirty);
  const PathAttributes* find(const net::IpPrefix& p) const;
  // Hint: `p` will be looked up soon (see PrefixIndex::prefetch).
  void prefetch(const net::IpPrefix& p) const { index_.prefetch(p); }
  size_t size() const { return index_.size(); }
  bool empty() const { return index_.size() == 0; }
  // Removes everything; appends what was there to `dirty`.
  void clear(std::vector<net::IpPrefix>* dirty);
  // A table no longer in use, read a slice at a time (a session's table withdrawn over several
  // loop turns): appends the prefixes held at positions from `from` on, at most `max` of them,
  // and returns the position to go on from (positions() when every one was read).
  size_t prefixesFrom(size_t from, size_t max, std::vector<net::IpPrefix>* out) const;
  size_t positions() const { return entries_.positions(); }

  // Graceful restart (helper side): every route becomes stale until re-announced.
  void markAllStale();
  size_t staleCount() const { return stale_; }
  // Removes the stale routes (of `family`, or all); appends them to `dirty`.
  size_t sweepStale(std::optional<net::Family> family, std::vector<net::IpPrefix>* dirty);

  // The table as UPDATE messages (one attribute set per group of prefixes that share it), for
  // bringing a new standby's shadow up to date.
  void encode(const UpdateCodecOptions& options, std::string* out) const;
  // The same for the prefixes at positions from `from` on, at most `max` of them; returns the
  // position to go on from (positions() when done). A table sent in pieces while it changes
  // reaches the standby whole as long as each change also does, in order, after the pieces
  // before it: every piece is the current state of its positions.
  size_t encodeFrom(size_t from, size_t max, const UpdateCodecOptions& options,
                    std::string* out) const;

 private:
  // 24 bytes (a shared_ptr per entry made it 40): a full table holds a million.
  struct Entry {
    net::IpPrefix prefix;
    bool stale = false;
    uint32_t attrs = 0;  // the attribute set's id (its index in attr_sets_ + 1); 0: free position
  };
  // One attribute set per received UPDATE (and next hop), shared by its prefixes and counted.
  struct AttrSet {
    std::unique_ptr<const PathAttributes> attrs;  // stable address: find() hands it out
    uint32_t refs = 0;
  };
  uint32_t addAttrSet(std::unique_ptr<const PathAttributes> attrs);
  void unref(uint32_t id);
  void remove(const net::IpPrefix& p, std::vector<net::IpPrefix>* dirty);
  void removeAll(const std::vector<net::IpPrefix>& prefixes, std::vector<net::IpPrefix>* dirty);
  // The index's key of a position: the entry's prefix.
  auto keyAt() const {
    return [this](uint32_t at) -> const net::IpPrefix& { return entries_[at].prefix; };
  }
  // fn for each route at positions from `from` on, at most `max` of them; returns the position
  // after the last one looked at.
  template <typename Fn>
  size_t forEachRouteFrom(size_t from, size_t max, Fn&& fn) const {
    size_t at = from, taken = 0;
    for (; at < entries_.positions() && taken < max; ++at) {
      const Entry& e = entries_[at];
      if (e.attrs == 0) continue;  // a free position
      fn(e);
      ++taken;
    }
    return at;
  }
  template <typename Fn>
  void forEachRoute(Fn&& fn) const {
    entries_.forEachPosition([&](const Entry& e) {
      if (e.attrs) fn(e);
    });
  }

  // The same flat index and stable storage as the RIB's: a full table arrives in one burst, and
  // a node-based map rehashing a million entries would stall the loop past the RPs' heartbeats.
  state::PrefixIndex index_;
  state::SlotTable<Entry> entries_;
  std::vector<AttrSet> attr_sets_;
  std::vector<uint32_t> free_attr_sets_;  // ids to reuse
  size_t stale_ = 0;
};

}  // namespace hitless::bgp
