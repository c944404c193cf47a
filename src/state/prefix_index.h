// PrefixIndex: prefix -> dense slot number, as a flat open-addressing table (linear probing,
// keys inline, load <= 1/2). One cache line per lookup instead of a node-based map's pointer
// chase: the RIB does a lookup per checkpointed change on both RPs, so this is the hot path.
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

#include <cstdint>

#include "base/prefault.h"
#include "base/zeroed_array.h"
#include "net/ip.h"

namespace hitless::state {

class PrefixIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t find(const net::IpPrefix& p) const;
  // Starts loading p's home slot into cache. Applying a batch, prefetching a few entries ahead
  // overlaps the cache misses instead of paying them one after another.
  void prefetch(const net::IpPrefix& p) const;
  // REQUIRES: p is not present; value < kNone - 1.
  void insert(const net::IpPrefix& p, uint32_t value);
  // Returns the value removed, or kNone.
  uint32_t erase(const net::IpPrefix& p);
  void clear();
  // Sizes the table for n entries now (finishing any migration), so that loading n entries
  // never grows it.
  void reserve(size_t n);
  size_t size() const { return size_; }
  bool migrating() const { return !old_.slots.empty(); }

 private:
  // An all-zero slot is empty (ZeroedArray hands out zeroed tables); tag 1 is a tombstone;
  // otherwise tag = value + 2.
  struct Slot {
    net::IpPrefix key;
    uint32_t tag;
  };
  static constexpr uint32_t kEmptyTag = 0, kDeletedTag = 1;
  struct Table {
    ZeroedArray<Slot> slots;
    size_t used = 0;  // live entries + tombstones
    // Index of p's slot, or of the empty slot that ends its probe run.
    size_t probe(const net::IpPrefix& p, size_t hash) const;
  };
  // Moves the entries of up to `count` old slots into the current table.
  void migrate(size_t count);
  // Makes room for one more insert: prepares, or starts using, the replacement table.
  void makeRoom();
  size_t wantedCapacity() const;
  void startMigration(ZeroedArray<Slot> next);
  void insertInto(Table& t, const net::IpPrefix& p, size_t hash, uint32_t tag);

  Table current_, old_;
  size_t migrated_ = 0;  // old_ slots below this index have been moved
  size_t size_ = 0;
  ZeroedArray<Slot> next_;     // the replacement, while its memory is being populated
  uint64_t next_ticket_ = 0;   // prefault::isDone(next_ticket_): next_ is ready
};

}  // namespace hitless::state
