#include "state/prefix_index.h"

#include "state/digest.h"

namespace hitless::state {
namespace {

size_t hashOf(const net::IpPrefix& p) {
  return static_cast<size_t>(
      hash64(std::string_view(reinterpret_cast<const char*>(p.address.bytes.data()),
                              p.address.size()),
             (static_cast<uint64_t>(p.address.family) << 8) | p.length));
}

}  // namespace

size_t PrefixIndex::probe(const net::IpPrefix& p) const {
  size_t mask = slots_.size() - 1;
  size_t i = hashOf(p) & mask;
  while (true) {
    const Slot& s = slots_[i];
    if (s.value == kEmpty) return i;
    if (s.value != kDeleted && s.key == p) return i;
    i = (i + 1) & mask;
  }
}

void PrefixIndex::prefetch(const net::IpPrefix& p) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[hashOf(p) & (slots_.size() - 1)]);
}

uint32_t PrefixIndex::find(const net::IpPrefix& p) const {
  if (slots_.empty()) return kNone;
  uint32_t v = slots_[probe(p)].value;
  return v == kEmpty ? kNone : v;
}

void PrefixIndex::insert(const net::IpPrefix& p, uint32_t value) {
  if ((size_ + deleted_ + 1) * 2 > slots_.size()) {
    // Grow when live entries fill a quarter; otherwise only the tombstones need clearing.
    rebuild((size_ + 1) * 4 > slots_.size() ? slots_.size() * 2 : slots_.size());
  }
  // Reuse the first tombstone on the probe path, else the empty slot that ends it.
  size_t mask = slots_.size() - 1;
  size_t i = hashOf(p) & mask;
  size_t target = SIZE_MAX;
  while (slots_[i].value != kEmpty) {
    if (slots_[i].value == kDeleted && target == SIZE_MAX) target = i;
    i = (i + 1) & mask;
  }
  if (target == SIZE_MAX) {
    target = i;
  } else {
    --deleted_;
  }
  slots_[target] = Slot{p, value};
  ++size_;
}

uint32_t PrefixIndex::erase(const net::IpPrefix& p) {
  if (slots_.empty()) return kNone;
  size_t i = probe(p);
  uint32_t v = slots_[i].value;
  if (v == kEmpty) return kNone;
  slots_[i].value = kDeleted;
  --size_;
  ++deleted_;
  return v;
}

void PrefixIndex::clear() {
  slots_.clear();
  size_ = deleted_ = 0;
}

void PrefixIndex::reserve(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap *= 2;
  if (cap > slots_.size()) rebuild(cap);
}

void PrefixIndex::rebuild(size_t capacity) {
  size_t cap = 16;
  while (cap < capacity) cap *= 2;
  std::vector<Slot, HugePageAllocator<Slot>> old = std::move(slots_);
  slots_.assign(cap, Slot{});
  size_ = deleted_ = 0;
  for (const Slot& s : old) {
    if (s.value != kEmpty && s.value != kDeleted) {
      slots_[probe(s.key)] = s;
      ++size_;
    }
  }
}

}  // namespace hitless::state
