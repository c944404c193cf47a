#include "fib/fib_agent.h"

#include <algorithm>

namespace hitless::fib {

// What one surviving change of a batch does to the kernel.
struct FibAgent::Plan {
  state::RibChange* change;  // its route, in kernel form, is what gets installed
  uint32_t existing;         // slot of what the kernel holds now (kNoEntry: nothing)
  size_t first_op = 0, op_count = 0;
  bool deletes_old_key = false;  // the metric changed: the old route goes first
};

void FibAgent::setStale(Entry& e, bool stale) {
  if (e.stale == stale) return;
  e.stale = stale;
  if (stale) {
    ++stale_;
  } else {
    --stale_;
  }
}

Status FibAgent::adoptFromKernel() {
  ASSIGN_OR_RETURN(std::vector<net::Route> routes, kernel_.dump());
  index_.clear();
  entries_.clear();
  stale_ = 0;
  index_.reserve(routes.size());
  state::forEachPrefetched(
      routes.size(), [&](size_t i) { index_.prefetch(routes[i].prefix); },
      [&](size_t i) {
        // One prefix twice (two metrics, after a failed metric change): keep the first.
        if (index_.find(routes[i].prefix, keyAt()) != kNoEntry) return;
        entries_[insert(std::move(routes[i]))].stale = true;
        ++stale_;
      });
  return Status::ok();
}

uint32_t FibAgent::insert(net::Route route) {
  net::IpPrefix prefix = route.prefix;
  uint32_t slot = entries_.add(Entry{std::move(route), false});
  index_.insert(prefix, slot);
  return slot;
}

void FibAgent::erase(const net::IpPrefix& prefix) {
  uint32_t slot = index_.erase(prefix, keyAt());
  if (slot == kNoEntry) return;
  setStale(entries_[slot], false);
  entries_.remove(slot);
}

void FibAgent::reserve(size_t routes) { index_.reserve(routes); }

void FibAgent::markAllStale() {
  entries_.forEachPosition(
      [](Entry& e) { e.stale = e.route.prefix.address.family != net::Family::kNone; });
  stale_ = index_.size();
  sweep_from_ = 0;
}

void FibAgent::markSuperseded(const std::vector<state::RibChange>& changes,
                              std::vector<bool>* superseded) {
  superseded->assign(changes.size(), false);
  if (changes.size() < 2) return;
  size_t cap = 1;
  while (cap < changes.size() * 2) cap <<= 1;
  dedupe_.assign(cap, UINT32_MAX);
  net::IpPrefixHash hash;
  // Newest first: a change is superseded when a later one for its prefix was seen.
  for (size_t i = changes.size(); i-- > 0;) {
    const net::IpPrefix& p = changes[i].route.prefix;
    for (size_t slot = hash(p) & (cap - 1);; slot = (slot + 1) & (cap - 1)) {
      uint32_t at = dedupe_[slot];
      if (at == UINT32_MAX) {
        dedupe_[slot] = static_cast<uint32_t>(i);
        break;
      }
      if (changes[at].route.prefix == p) {
        (*superseded)[i] = true;
        break;
      }
    }
  }
}

FibOutcome FibAgent::apply(std::vector<state::RibChange>& changes) {
  FibOutcome out;
  // Only the last change per prefix matters: its final state is what the kernel must hold.
  std::vector<bool> superseded;
  markSuperseded(changes, &superseded);
  std::vector<Plan> plans;
  plans.reserve(changes.size());
  state::forEachPrefetched(
      changes.size(), [&](size_t i) { index_.prefetch(changes[i].route.prefix); },
      [&](size_t i) {
        if (superseded[i]) return;
        state::RibChange& c = changes[i];
        uint32_t existing = index_.find(c.route.prefix, keyAt());
        if (c.op == state::RibChange::kWithdraw) {
          if (existing == kNoEntry) {
            ++out.unchanged;
          } else {
            plans.push_back({&c, existing, 0, 0, false});
          }
          return;
        }
        toKernelForm(&c.route);
        if (existing == kNoEntry) {
          plans.push_back({&c, kNoEntry, 0, 0, false});
          return;
        }
        Entry& e = entries_[existing];
        if (sameForwarding(c.route, e.route)) {
          setStale(e, false);
          ++out.unchanged;
          return;
        }
        plans.push_back({&c, existing, 0, 0, e.route.metric != c.route.metric});
      });
  // Ops point into `changes` and into entries_ (which stays put until the kernel answered).
  // Each plan's ops are contiguous: [delete of the old key,] replace.
  std::vector<FibOp> ops;
  ops.reserve(plans.size() + 16);
  for (auto& plan : plans) {
    plan.first_op = ops.size();
    if (plan.change->op == state::RibChange::kWithdraw) {
      ops.push_back({FibOp::kDelete, &entries_[plan.existing].route});
    } else {
      if (plan.deletes_old_key) ops.push_back({FibOp::kDelete, &entries_[plan.existing].route});
      ops.push_back({FibOp::kReplace, &plan.change->route});
    }
    plan.op_count = ops.size() - plan.first_op;
  }
  if (ops.empty()) return out;
  std::vector<FibOpError> errors;
  if (!sendToKernel(ops, &out, &errors)) return out;
  std::vector<const FibOpError*> error_of(ops.size(), nullptr);
  for (const auto& e : errors) error_of[e.index] = &e;
  for (auto& plan : plans) {
    net::Route& route = plan.change->route;
    const FibOpError* err = nullptr;
    size_t failed_at = plan.op_count;
    for (size_t k = 0; k < plan.op_count; ++k) {
      if (error_of[plan.first_op + k]) {
        err = error_of[plan.first_op + k];
        failed_at = k;
        break;
      }
    }
    if (!err) {
      if (plan.change->op == state::RibChange::kWithdraw) {
        erase(route.prefix);
        ++out.removed;
      } else if (plan.existing == kNoEntry) {
        insert(std::move(route));
      } else {
        setStale(entries_[plan.existing], false);
        entries_[plan.existing].route = std::move(route);
      }
      continue;
    }
    out.route_errors.push_back({route.prefix, err->message});
    // The old key was deleted but the new route refused: the kernel now holds nothing for it.
    if (plan.deletes_old_key && failed_at == 1) erase(route.prefix);
  }
  return out;
}

bool FibAgent::sendToKernel(std::span<const FibOp> ops, FibOutcome* out,
                            std::vector<FibOpError>* errors) {
  auto result = kernel_.apply(ops);
  kernel_writes_ += ops.size();
  if (!result.isOk()) {
    out->status = result.status();
    return false;
  }
  out->written = ops.size();
  *errors = std::move(*result);
  return true;
}

FibOutcome FibAgent::sweepStale(size_t max_routes) {
  FibOutcome out;
  if (stale_ == 0) {
    sweep_from_ = 0;
    return out;
  }
  std::vector<FibOp> ops;
  ops.reserve(std::min(stale_, max_routes));
  size_t at = sweep_from_;
  for (; at < entries_.positions() && ops.size() < max_routes; ++at) {
    Entry& e = entries_[at];
    if (e.stale) ops.push_back({FibOp::kDelete, &e.route});
  }
  // Past the last position, what is still stale the kernel refused to delete: not again now.
  out.more = at < entries_.positions();
  sweep_from_ = out.more ? at : 0;
  std::vector<FibOpError> errors;
  if (ops.empty()) return out;
  if (!sendToKernel(ops, &out, &errors)) {
    out.more = false;  // the kernel cannot be asked: the sweep stops here, routes kept
    sweep_from_ = 0;
    return out;
  }
  std::vector<bool> failed(ops.size(), false);
  for (const auto& e : errors) {
    failed[e.index] = true;
    out.route_errors.push_back({ops[e.index].route->prefix, e.message});
  }
  std::vector<net::IpPrefix> gone;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!failed[i]) gone.push_back(ops[i].route->prefix);
  }
  for (const auto& p : gone) erase(p);
  out.removed = gone.size();
  return out;
}

const net::Route* FibAgent::find(const net::IpPrefix& prefix) const {
  uint32_t slot = index_.find(prefix, keyAt());
  return slot == kNoEntry ? nullptr : &entries_[slot].route;
}

std::vector<net::Route> FibAgent::sortedRoutes() const {
  std::vector<net::Route> out;
  out.reserve(index_.size());
  entries_.forEachPosition([&](const Entry& e) {
    if (e.route.prefix.address.family != net::Family::kNone) out.push_back(e.route);
  });
  std::sort(out.begin(), out.end(),
            [](const net::Route& a, const net::Route& b) { return a.prefix < b.prefix; });
  return out;
}

}  // namespace hitless::fib
