#include "fib/fib_agent.h"

#include <algorithm>
#include <unordered_set>

namespace hitless::fib {

namespace {

// What one surviving change of a batch does to the kernel: op indices into the batch's ops.
struct Plan {
  const state::RibChange* change;
  net::Route desired;
  const net::Route* old_route = nullptr;  // what the kernel holds now (in installed_)
  size_t first_op = 0, op_count = 0;
  bool deletes_old_key = false;  // the metric changed: the old route goes first
};

}  // namespace

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
  installed_.clear();
  stale_ = 0;
  installed_.reserve(routes.size());
  for (auto& r : routes) {
    net::IpPrefix p = r.prefix;
    installed_[p] = Entry{std::move(r), true};
  }
  stale_ = installed_.size();
  return Status::ok();
}

void FibAgent::markAllStale() {
  for (auto& [prefix, e] : installed_) e.stale = true;
  stale_ = installed_.size();
}

FibOutcome FibAgent::apply(const std::vector<state::RibChange>& changes) {
  FibOutcome out;
  // Only the last change per prefix matters: its final state is what the kernel must hold.
  std::vector<bool> superseded(changes.size(), false);
  if (changes.size() > 1) {
    std::unordered_set<net::IpPrefix, net::IpPrefixHash> seen;
    seen.reserve(changes.size());
    for (size_t i = changes.size(); i-- > 0;) {
      if (!seen.insert(changes[i].route.prefix).second) superseded[i] = true;
    }
  }
  std::vector<Plan> plans;
  plans.reserve(changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    if (superseded[i]) continue;
    const state::RibChange& c = changes[i];
    auto it = installed_.find(c.route.prefix);
    if (c.op == state::RibChange::kWithdraw) {
      if (it == installed_.end()) {
        ++out.unchanged;
        continue;
      }
      plans.push_back({&c, {}, &it->second.route, 0, 0, false});
      continue;
    }
    Plan plan{&c, kernelForm(c.route), nullptr, 0, 0, false};
    if (it != installed_.end()) {
      plan.old_route = &it->second.route;
      if (sameForwarding(plan.desired, it->second.route)) {
        setStale(it->second, false);
        ++out.unchanged;
        continue;
      }
      plan.deletes_old_key = it->second.route.metric != plan.desired.metric;
    }
    plans.push_back(std::move(plan));
  }
  // Ops point into `plans` (which no longer grows) and into installed_ (unchanged until the
  // kernel answered). Each plan's ops are contiguous: [delete of the old key,] replace.
  std::vector<FibOp> ops;
  ops.reserve(plans.size() + 16);
  for (auto& plan : plans) {
    plan.first_op = ops.size();
    if (plan.change->op == state::RibChange::kWithdraw) {
      ops.push_back({FibOp::kDelete, plan.old_route});
    } else {
      if (plan.deletes_old_key) ops.push_back({FibOp::kDelete, plan.old_route});
      ops.push_back({FibOp::kReplace, &plan.desired});
    }
    plan.op_count = ops.size() - plan.first_op;
  }
  if (ops.empty()) return out;
  auto result = kernel_.apply(ops);
  kernel_writes_ += ops.size();
  if (!result.isOk()) {
    out.status = result.status();
    return out;
  }
  out.written = ops.size();
  std::vector<const FibOpError*> error_of(ops.size(), nullptr);
  for (const auto& e : *result) error_of[e.index] = &e;
  for (auto& plan : plans) {
    const net::IpPrefix& prefix = plan.change->route.prefix;
    const FibOpError* err = nullptr;
    size_t failed_at = plan.op_count;
    for (size_t k = 0; k < plan.op_count; ++k) {
      if (error_of[plan.first_op + k]) {
        err = error_of[plan.first_op + k];
        failed_at = k;
        break;
      }
    }
    auto it = installed_.find(prefix);
    if (!err) {
      if (plan.change->op == state::RibChange::kWithdraw) {
        setStale(it->second, false);
        installed_.erase(it);
        ++out.removed;
      } else if (it == installed_.end()) {
        installed_.emplace(prefix, Entry{std::move(plan.desired), false});
      } else {
        setStale(it->second, false);
        it->second.route = std::move(plan.desired);
      }
      continue;
    }
    out.route_errors.push_back({prefix, err->message});
    // The old key was deleted but the new route refused: the kernel now holds nothing for it.
    if (plan.deletes_old_key && failed_at == 1 && it != installed_.end()) {
      setStale(it->second, false);
      installed_.erase(it);
    }
  }
  return out;
}

FibOutcome FibAgent::sweepStale() {
  FibOutcome out;
  if (stale_ == 0) return out;
  std::vector<FibOp> ops;
  ops.reserve(stale_);
  for (auto& [prefix, e] : installed_) {
    if (e.stale) ops.push_back({FibOp::kDelete, &e.route});
  }
  auto result = kernel_.apply(ops);
  kernel_writes_ += ops.size();
  if (!result.isOk()) {
    out.status = result.status();
    return out;
  }
  out.written = ops.size();
  std::vector<bool> failed(ops.size(), false);
  for (const auto& e : *result) {
    failed[e.index] = true;
    out.route_errors.push_back({ops[e.index].route->prefix, e.message});
  }
  std::vector<net::IpPrefix> gone;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!failed[i]) gone.push_back(ops[i].route->prefix);
  }
  for (const auto& p : gone) {
    auto it = installed_.find(p);
    setStale(it->second, false);
    installed_.erase(it);
  }
  out.removed = gone.size();
  return out;
}

const net::Route* FibAgent::find(const net::IpPrefix& prefix) const {
  auto it = installed_.find(prefix);
  return it == installed_.end() ? nullptr : &it->second.route;
}

std::vector<net::Route> FibAgent::sortedRoutes() const {
  std::vector<net::Route> out;
  out.reserve(installed_.size());
  for (const auto& [p, e] : installed_) out.push_back(e.route);
  std::sort(out.begin(), out.end(),
            [](const net::Route& a, const net::Route& b) { return a.prefix < b.prefix; });
  return out;
}

}  // namespace hitless::fib
