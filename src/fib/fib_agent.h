// FibAgent: fwdd's record of the routes it owns in the kernel, and the NSF reconciliation.
//
// Every route fwdd installs is kept here in the form the kernel holds it. A change that would
// not alter forwarding (same next hops, same metric) causes no kernel write at all; a changed
// route is replaced in place (never deleted and re-added, so forwarding has no gap), unless its
// metric — part of the kernel's key — changed.
//
// Reconciliation (graceful restart of the control plane, docs/fib-channel.md): markAllStale() when
// a new active starts its replay; every route the replay repeats is un-marked; sweepStale() after
// the replay removes only what no one repeated. adoptFromKernel() does the same after fwdd itself
// restarted: the kernel kept forwarding with the routes, fwdd reads them back, all stale.
#pragma once

#include <cstdint>
#include <vector>

#include "fib/kernel_fib.h"
#include "messages/fib_messages.h"
#include "state/prefix_index.h"
#include "state/rib.h"
#include "state/slot_table.h"

namespace hitless::fib {

struct FibOutcome {
  Status status;  // the kernel could not be asked at all (nothing is known to have changed)
  std::vector<messages::FibRouteError> route_errors;
  uint64_t written = 0;    // kernel operations sent
  uint64_t unchanged = 0;  // changes that needed no kernel operation
  uint64_t removed = 0;    // routes deleted (withdrawn or swept)
  bool more = false;       // sweepStale(max): stale routes are left for the next call
};

class FibAgent {
 public:
  explicit FibAgent(KernelFib& kernel) : kernel_(kernel) {}

  Status adoptFromKernel();
  void markAllStale();
  // Room for `routes` entries (a replay announces its size), so a big table grows once.
  void reserve(size_t routes);
  // Routes are moved out of `changes` (it is the caller's scratch batch).
  FibOutcome apply(std::vector<state::RibChange>& changes);
  FibOutcome apply(std::vector<state::RibChange>&& changes) { return apply(changes); }
  // Deletes stale routes, at most `max_routes` per call, going on from where the last call
  // stopped (a sweep of a million routes spans many loop turns); `more` says whether to call
  // again. markAllStale() starts over.
  FibOutcome sweepStale(size_t max_routes = SIZE_MAX);

  size_t size() const { return index_.size(); }
  size_t staleCount() const { return stale_; }
  uint64_t kernelWrites() const { return kernel_writes_; }
  const net::Route* find(const net::IpPrefix& prefix) const;
  std::vector<net::Route> sortedRoutes() const;

 private:
  struct Entry {
    net::Route route;  // prefix family kNone: a free slot
    bool stale = false;
  };
  size_t sweep_from_ = 0;  // the position sweepStale goes on from
  struct Plan;
  static constexpr uint32_t kNoEntry = state::PrefixIndex::kNone;
  void setStale(Entry& e, bool stale);
  uint32_t insert(net::Route route);
  // Applies ops in the kernel and counts them; false (with out->status) if it could not be asked.
  bool sendToKernel(std::span<const FibOp> ops, FibOutcome* out, std::vector<FibOpError>* errors);
  void erase(const net::IpPrefix& prefix);
  // The index's key of a slot: its route's prefix.
  auto keyAt() const {
    return [this](uint32_t slot) -> const net::IpPrefix& { return entries_[slot].route.prefix; };
  }
  // Marks every change that a later change of the same prefix overrides.
  void markSuperseded(const std::vector<state::RibChange>& changes, std::vector<bool>* superseded);

  KernelFib& kernel_;
  // prefix -> slot in entries_: the RIB's flat table (one cache line per lookup).
  state::PrefixIndex index_;
  state::SlotTable<Entry> entries_;  // a free position holds Entry{}
  size_t stale_ = 0;
  uint64_t kernel_writes_ = 0;
  std::vector<uint32_t> dedupe_;  // scratch open-addressing table of change indices
};

}  // namespace hitless::fib
