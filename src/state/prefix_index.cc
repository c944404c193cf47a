#include "state/prefix_index.h"

#include <algorithm>

namespace hitless::state {
namespace {

constexpr size_t kMinCapacity = 16;
// Smaller tables come from the ordinary heap (see ZeroedArray), where faults are few and cheap.
constexpr size_t kPrefaultFromBytes = size_t{1} << 20;

size_t roundUpPow2(size_t n) {
  size_t cap = kMinCapacity;
  while (cap < n) cap *= 2;
  return cap;
}

}  // namespace

void PrefixIndex::prefetch(const net::IpPrefix& p) const {
  if (!current_.slots.empty()) {
    __builtin_prefetch(&current_.slots[hashOf(p) & (current_.slots.size() - 1)]);
  }
}

void PrefixIndex::insertInto(Table& t, uint32_t hash, uint32_t tag) {
  // Reuse the first tombstone on the probe path, else the empty slot that ends it.
  size_t mask = t.slots.size() - 1;
  size_t i = hash & mask;
  size_t target = SIZE_MAX;
  while (t.slots[i].tag != kEmptyTag) {
    if (t.slots[i].tag == kDeletedTag && target == SIZE_MAX) target = i;
    i = (i + 1) & mask;
  }
  if (target == SIZE_MAX) {
    target = i;
    ++t.used;  // an empty slot becomes live; a reused tombstone was already counted
  }
  t.slots[target] = Slot{hash, tag};
}

void PrefixIndex::insert(const net::IpPrefix& p, uint32_t value) {
  if ((current_.used + 1) * 2 > current_.slots.size()) makeRoom();
  insertInto(current_, hashOf(p), value + 2);
  ++size_;
  migrate(kMigrationStep);
}

size_t PrefixIndex::wantedCapacity() const {
  // Grow when live entries fill a quarter; otherwise only the tombstones need clearing.
  size_t cap = current_.slots.size();
  return std::max(kMinCapacity, (size_ + 1) * 4 > cap ? cap * 2 : cap);
}

void PrefixIndex::makeRoom() {
  const size_t cap = current_.slots.size();
  if (next_.empty() || next_.size() != wantedCapacity()) {
    next_ = ZeroedArray<Slot>(wantedCapacity());
    next_ticket_ = 0;
    if (next_.size() * sizeof(Slot) >= kPrefaultFromBytes) {
      next_ticket_ = prefault::inBackground(next_.data(), next_.size() * sizeof(Slot));
    }
  }
  // Switch once the memory is present; past three quarters full, switch regardless (the loop
  // then faults the rest in itself: slower, never wrong).
  if (prefault::isDone(next_ticket_) || (current_.used + 1) * 4 > cap * 3) {
    startMigration(std::move(next_));
  }
}

void PrefixIndex::startMigration(ZeroedArray<Slot> next) {
  migrate(SIZE_MAX);  // a migration still running (it never should be) finishes first
  old_ = std::move(current_);
  current_ = Table{std::move(next), 0};
  next_ = ZeroedArray<Slot>();
  next_ticket_ = 0;
  migrated_ = 0;
}

void PrefixIndex::migrate(size_t count) {
  if (!migrating()) return;
  size_t end = old_.slots.size() - migrated_ > count ? migrated_ + count : old_.slots.size();
  for (; migrated_ < end; ++migrated_) {
    Slot& s = old_.slots[migrated_];
    if (s.tag == kEmptyTag || s.tag == kDeletedTag) continue;
    insertInto(current_, s.hash, s.tag);
    s.tag = kDeletedTag;  // keeps the probe runs of entries not yet moved intact
  }
  if (migrated_ == old_.slots.size()) old_ = Table{};
}

void PrefixIndex::clear() {
  current_ = Table{};
  old_ = Table{};
  next_ = ZeroedArray<Slot>();
  next_ticket_ = 0;
  migrated_ = 0;
  size_ = 0;
}

void PrefixIndex::reserve(size_t n) {
  migrate(SIZE_MAX);
  size_t cap = roundUpPow2(n * 2);
  if (cap > current_.slots.size()) {
    startMigration(ZeroedArray<Slot>(cap));
    migrate(SIZE_MAX);
  }
}

}  // namespace hitless::state
