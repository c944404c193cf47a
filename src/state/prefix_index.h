// PrefixIndex: prefix -> dense slot number, as a flat open-addressing table (linear probing,
// load <= 1/2). One cache line per lookup instead of a node-based map's pointer chase: the RIB
// does a lookup per checkpointed change on both RPs, so this is the hot path.
//
// The keys live with the owner (the RIB's routes, the Adj-RIB-In's entries, the FIB's entries):
// a slot holds only the value and a 32-bit hash of its prefix — 8 bytes, a third of a slot with
// the prefix inline, which matters at a million routes per table (and there are several
// tables). Lookups take `key_at(value)`, the owner's prefix at that value, and call it only for
// slots whose hash matches.
//
// Growth is incremental: a full table is replaced by a bigger one, and each later insert or
// erase moves a few entries from the old table across (lookups check both meanwhile). Rebuilding
// a table of millions in one go stalls the event loop for tens of milliseconds — longer than
// the replication lag and heartbeat budgets of the RP pair. Deletion leaves a tombstone; a
// table whose tombstones fill it is replaced by a clean one of the same size, the same way.
//
// A large replacement table is put to use only once its memory is present: it is allocated
// when the table is half full and populated by the prefault thread while inserts go on into
// the old table (up to three quarters full). Inserts land at random places, so a table used at
// once would have the event loop fault in every one of its huge pages within a few inserts —
// tens of milliseconds under virtualisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/prefault.h"
#include "base/zeroed_array.h"
#include "net/ip.h"
#include "state/digest.h"

namespace hitless::state {

class PrefixIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // KeyAt: callable uint32_t value -> const net::IpPrefix& (the owner's key of that value).
  template <typename KeyAt>
  uint32_t find(const net::IpPrefix& p, const KeyAt& key_at) const {
    if (current_.slots.empty()) return kNone;
    const uint32_t h = hashOf(p);
    uint32_t tag = current_.slots[current_.probe(p, h, key_at)].tag;
    if (tag == kEmptyTag && migrating()) tag = old_.slots[old_.probe(p, h, key_at)].tag;
    return tag == kEmptyTag ? kNone : tag - 2;
  }
  // Starts loading p's home slot into cache. Applying a batch, prefetching a few entries ahead
  // overlaps the cache misses instead of paying them one after another.
  // Out of line on purpose: GCC 12 takes a function doing nothing but __builtin_prefetch for a
  // pure one and drops calls to it where it can see its body (no prefetch was left at all).
  void prefetch(const net::IpPrefix& p) const;
  // REQUIRES: p is not present; value < kNone - 1.
  void insert(const net::IpPrefix& p, uint32_t value);
  // Returns the value removed, or kNone. `key_at(value)` must still answer for the entry.
  template <typename KeyAt>
  uint32_t erase(const net::IpPrefix& p, const KeyAt& key_at) {
    if (current_.slots.empty()) return kNone;
    const uint32_t h = hashOf(p);
    Slot* s = &current_.slots[current_.probe(p, h, key_at)];
    if (s->tag == kEmptyTag && migrating()) s = &old_.slots[old_.probe(p, h, key_at)];
    if (s->tag == kEmptyTag) return kNone;
    const uint32_t value = s->tag - 2;
    s->tag = kDeletedTag;
    --size_;
    migrate(kMigrationStep);
    return value;
  }
  void clear();
  // Sizes the table for n entries now (finishing any migration), so that loading n entries
  // never grows it.
  void reserve(size_t n);
  size_t size() const { return size_; }
  bool migrating() const { return !old_.slots.empty(); }

 private:
  // An all-zero slot is empty (ZeroedArray hands out zeroed tables); tag 1 is a tombstone;
  // otherwise tag = value + 2. The home slot is hash & (capacity - 1).
  struct Slot {
    uint32_t hash;
    uint32_t tag;
  };
  static constexpr uint32_t kEmptyTag = 0, kDeletedTag = 1;
  // Old slots moved per insert or erase. A replacement table can take capacity/4 more entries
  // before it must itself grow, and the old table it drains has capacity slots: 8 per operation
  // finishes with room to spare.
  static constexpr size_t kMigrationStep = 8;
  struct Table {
    ZeroedArray<Slot> slots;
    size_t used = 0;  // live entries + tombstones
    // Index of p's slot, or of the empty slot that ends its probe run.
    template <typename KeyAt>
    size_t probe(const net::IpPrefix& p, uint32_t hash, const KeyAt& key_at) const {
      const size_t mask = slots.size() - 1;
      for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& s = slots[i];
        if (s.tag == kEmptyTag) return i;
        if (s.tag != kDeletedTag && s.hash == hash && key_at(s.tag - 2) == p) return i;
      }
    }
  };
  // Every lookup, insert and prefetch hashes its prefix, so inline and branch-free: the 16
  // address bytes (an IPv4 address leaves the last 12 zero) as two words, with the family and
  // length, through two rounds of splitmix64's finaliser. In memory only: no other process or
  // release sees these hashes.
  static uint32_t hashOf(const net::IpPrefix& p) {
    uint64_t lo, hi;
    std::memcpy(&lo, p.address.bytes.data(), 8);
    std::memcpy(&hi, p.address.bytes.data() + 8, 8);
    const uint64_t meta = (static_cast<uint64_t>(p.address.family) << 8) | p.length;
    return static_cast<uint32_t>(mix64(lo ^ mix64(hi ^ (meta * 0x9e3779b97f4a7c15ULL))));
  }
  // Moves the entries of up to `count` old slots into the current table.
  void migrate(size_t count);
  // Makes room for one more insert: prepares, or starts using, the replacement table.
  void makeRoom();
  size_t wantedCapacity() const;
  void startMigration(ZeroedArray<Slot> next);
  void insertInto(Table& t, uint32_t hash, uint32_t tag);

  Table current_, old_;
  size_t migrated_ = 0;  // old_ slots below this index have been moved
  size_t size_ = 0;
  ZeroedArray<Slot> next_;    // the replacement, while its memory is being populated
  uint64_t next_ticket_ = 0;  // prefault::isDone(next_ticket_): next_ is ready
};

// How far ahead a batch prefetches index slots: enough to overlap a few cache misses, few
// enough that the lines are still cached when their turn comes.
inline constexpr size_t kPrefetchDistance = 8;

// Runs body(i) for i in [0, n) in order, having called prefetch(i + kPrefetchDistance) first
// (and prefetch of the first few before starting): a batch of random prefixes then finds its
// index slots in cache instead of waiting on each miss in turn.
template <typename Prefetch, typename Body>
void forEachPrefetched(size_t n, Prefetch&& prefetch, Body&& body) {
  for (size_t i = 0; i < n && i < kPrefetchDistance; ++i) prefetch(i);
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchDistance < n) prefetch(i + kPrefetchDistance);
    body(i);
  }
}

}  // namespace hitless::state
