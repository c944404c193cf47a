// SlotTable<T>: values at dense, stable positions (uint32_t), with freed positions reused —
// the storage behind the RIB's and the FIB agent's prefix indexes.
//
// Storage is a list of fixed-size chunks, so growing never moves what is stored: a million
// routes in one vector cost a 64 MB copy (and fresh pages faulted in) at the moment the vector
// doubles, a stall the event loop cannot afford. Memory is also faulted in ahead of use, in the
// background (base/prefault.h): while positions fill one 2 MB stretch, the next one is warmed.
#pragma once

#include <cstdint>
#include <vector>

#include "base/huge_page_allocator.h"
#include "base/prefault.h"

namespace hitless::state {

template <typename T>
class SlotTable {
 public:
  // About 4 MB per chunk (two huge pages); warmed 2 MB at a time.
  static constexpr size_t kChunk = (size_t{4} << 20) / sizeof(T);
  static constexpr size_t kWarmStretch = kChunk / 2;

  // Stores `value` at a free position (reused or new) and returns it.
  uint32_t add(T value) {
    if (!free_.empty()) {
      uint32_t at = free_.back();
      free_.pop_back();
      (*this)[at] = std::move(value);
      return at;
    }
    size_t at = positions_++;
    chunkFor(at).push_back(std::move(value));
    if (at % kWarmStretch == kWarmStretch / 2) warm((at / kWarmStretch + 1) * kWarmStretch);
    return static_cast<uint32_t>(at);
  }
  // Resets the position to T{} and makes it reusable.
  void remove(uint32_t at) {
    (*this)[at] = T{};
    free_.push_back(at);
  }
  T& operator[](size_t at) { return chunks_[at / kChunk][at % kChunk]; }
  const T& operator[](size_t at) const { return chunks_[at / kChunk][at % kChunk]; }
  // Positions ever handed out (live and free).
  size_t positions() const { return positions_; }
  void clear() {
    chunks_.clear();
    free_.clear();
    positions_ = 0;
  }
  // Calls fn(T&) for every position, live or free, in position order.
  template <typename Fn>
  void forEachPosition(Fn&& fn) {
    for (auto& chunk : chunks_) {
      for (auto& v : chunk) fn(v);
    }
  }
  template <typename Fn>
  void forEachPosition(Fn&& fn) const {
    for (const auto& chunk : chunks_) {
      for (const auto& v : chunk) fn(v);
    }
  }

 private:
  using Chunk = std::vector<T, HugePageAllocator<T>>;
  Chunk& chunkFor(size_t at) {
    while (chunks_.size() <= at / kChunk) chunks_.emplace_back().reserve(kChunk);
    return chunks_[at / kChunk];
  }
  // Faults in the stretch of positions starting at `from` (allocating its chunk if need be).
  void warm(size_t from) {
    Chunk& chunk = chunkFor(from);
    size_t offset = from % kChunk;
    prefault::inBackground(chunk.data() + offset,
                           std::min(kWarmStretch, kChunk - offset) * sizeof(T));
  }

  std::vector<Chunk> chunks_;
  std::vector<uint32_t> free_;
  size_t positions_ = 0;
};

}  // namespace hitless::state
