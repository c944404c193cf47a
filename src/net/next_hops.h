// NextHops: a route's next hops, the first one held inline. Nearly every route has exactly one
// next hop; as a std::vector each route paid a heap block (32 bytes plus malloc's header) and an
// allocation and a free per copy — per route of a million-route table, on both RPs and in the
// FIB agent. A second next hop moves them all to the heap (ECMP sets are rare and small).
// The interface is the part of std::vector the code uses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <type_traits>

#include "net/ip.h"

namespace hitless::net {

struct NextHop {
  IpAddress gateway;     // Family::kNone for a directly connected (interface-only) next hop
  uint32_t ifindex = 0;  // 0 = let the kernel resolve the gateway
  uint32_t weight = 1;   // relative share for unequal-cost multipath, >= 1

  auto operator<=>(const NextHop&) const = default;
};
static_assert(std::is_trivially_copyable_v<NextHop>);

class NextHops {
 public:
  using value_type = NextHop;
  using iterator = NextHop*;
  using const_iterator = const NextHop*;

  NextHops() { std::construct_at(inlineHop()); }
  NextHops(std::initializer_list<NextHop> list) : NextHops() { assign(list.begin(), list.size()); }
  NextHops(const NextHops& o) : NextHops() { assign(o.data(), o.size_); }
  NextHops(NextHops&& o) noexcept { steal(o); }
  NextHops& operator=(const NextHops& o) {
    if (this != &o) assign(o.data(), o.size_);
    return *this;
  }
  NextHops& operator=(NextHops&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  NextHops& operator=(std::initializer_list<NextHop> list) {
    assign(list.begin(), list.size());
    return *this;
  }
  ~NextHops() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  NextHop* data() { return capacity_ == 0 ? inlineHop() : heap(); }
  const NextHop* data() const { return capacity_ == 0 ? inlineHop() : heap(); }
  NextHop& operator[](size_t i) { return data()[i]; }
  const NextHop& operator[](size_t i) const { return data()[i]; }
  NextHop& back() { return data()[size_ - 1]; }
  const NextHop& back() const { return data()[size_ - 1]; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }

  void clear() { size_ = 0; }
  void push_back(const NextHop& nh) {
    reserve(size_ + 1);
    data()[size_++] = nh;
  }
  NextHop& emplace_back() {
    push_back(NextHop{});
    return back();
  }
  void reserve(size_t n) {
    const size_t room = capacity_ == 0 ? 1 : capacity_;
    if (n <= room) return;
    const size_t grown = std::max(n, room * 2);
    NextHop* fresh = std::allocator<NextHop>().allocate(grown);
    std::copy(data(), data() + size_, fresh);
    const uint32_t size = size_;
    release();
    setHeap(fresh);
    capacity_ = static_cast<uint32_t>(grown);
    size_ = size;
  }

  bool operator==(const NextHops& o) const {
    return std::equal(begin(), end(), o.begin(), o.end());
  }

 private:
  void assign(const NextHop* from, size_t n) {
    clear();
    reserve(n);
    std::copy(from, from + n, data());
    size_ = static_cast<uint32_t>(n);
  }
  void steal(NextHops& o) noexcept {
    size_ = o.size_;
    capacity_ = o.capacity_;
    std::memcpy(storage_, o.storage_, sizeof(storage_));  // the inline hop or the heap pointer
    o.size_ = 0;
    o.capacity_ = 0;
    std::construct_at(o.inlineHop());
  }
  void release() {
    if (capacity_ > 0) {
      std::allocator<NextHop>().deallocate(heap(), capacity_);
      std::construct_at(inlineHop());
    }
    capacity_ = 0;
    size_ = 0;
  }
  NextHop* inlineHop() { return std::launder(reinterpret_cast<NextHop*>(storage_)); }
  const NextHop* inlineHop() const {
    return std::launder(reinterpret_cast<const NextHop*>(storage_));
  }
  NextHop* heap() const {
    NextHop* p;
    std::memcpy(&p, storage_, sizeof(p));
    return p;
  }
  void setHeap(NextHop* p) { std::memcpy(storage_, &p, sizeof(p)); }

  uint32_t size_ = 0;
  uint32_t capacity_ = 0;  // 0: the inline slot (room for one); otherwise the heap has this room
  // The inline next hop or, with capacity_ > 0, the heap pointer's bytes. Not a union with a
  // pointer: that would align the whole to 8 and pad a Route from 64 bytes to 72.
  alignas(NextHop) unsigned char storage_[sizeof(NextHop)];
  static_assert(sizeof(NextHop) >= sizeof(NextHop*));
};

}  // namespace hitless::net
