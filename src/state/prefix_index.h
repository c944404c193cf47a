// PrefixIndex: prefix -> dense slot number, as a flat open-addressing table (linear probing,
// keys inline, load <= 1/2). One cache line per lookup instead of a node-based map's pointer
// chase: the RIB does a lookup per checkpointed change on both RPs, so this is the hot path.
// Deletion leaves a tombstone; the table is rebuilt when live + dead entries pass half of it.
#pragma once

#include <cstdint>
#include <vector>

#include "base/huge_page_allocator.h"
#include "net/ip.h"

namespace hitless::state {

class PrefixIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t find(const net::IpPrefix& p) const;
  // Starts loading p's home slot into cache. Applying a batch, prefetching a few entries ahead
  // overlaps the cache misses instead of paying them one after another.
  void prefetch(const net::IpPrefix& p) const;
  // REQUIRES: p is not present.
  void insert(const net::IpPrefix& p, uint32_t value);
  // Returns the value removed, or kNone.
  uint32_t erase(const net::IpPrefix& p);
  void clear();
  void reserve(size_t n);
  size_t size() const { return size_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kDeleted = UINT32_MAX - 1;
  struct Slot {
    net::IpPrefix key;
    uint32_t value = kEmpty;
  };
  size_t probe(const net::IpPrefix& p) const;  // index of p's slot, or of the empty slot ending its run
  void rebuild(size_t capacity);

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  size_t size_ = 0, deleted_ = 0;
};

}  // namespace hitless::state
