#include "bgp/adj_rib_in.h"

#include <algorithm>
#include <map>

namespace hitless::bgp {

void AdjRibIn::apply(const UpdateMessage& u, uint32_t local_as, std::vector<net::IpPrefix>* dirty) {
  auto remove = [&](const net::IpPrefix& p) {
    bool had = routes_.erase(p) > 0;
    stale_.erase(p);
    if (had) dirty->push_back(p);
  };
  for (const auto& w : u.withdrawn) remove(w);
  const auto& path = u.attrs.as_path;
  if (std::find(path.begin(), path.end(), local_as) != path.end()) {
    for (const auto& p : u.nlri) remove(p);
    return;
  }
  // One shared attribute set per message and next hop: a full table holds a few thousand.
  Attrs classic, mp;
  for (size_t i = 0; i < u.nlri.size(); ++i) {
    Attrs& a = i < u.classic_nlri ? classic : mp;
    if (!a) {
      auto pa = std::make_shared<PathAttributes>(u.attrs);
      pa->next_hop = u.nextHopOf(i);
      a = std::move(pa);
    }
    routes_[u.nlri[i]] = a;
    stale_.erase(u.nlri[i]);
    dirty->push_back(u.nlri[i]);
  }
}

const PathAttributes* AdjRibIn::find(const net::IpPrefix& p) const {
  auto it = routes_.find(p);
  return it == routes_.end() ? nullptr : it->second.get();
}

void AdjRibIn::clear(std::vector<net::IpPrefix>* dirty) {
  for (const auto& [prefix, attrs] : routes_) dirty->push_back(prefix);
  routes_.clear();
  stale_.clear();
}

void AdjRibIn::markAllStale() {
  for (const auto& [prefix, attrs] : routes_) stale_.insert(prefix);
}

size_t AdjRibIn::sweepStale(std::optional<net::Family> family, std::vector<net::IpPrefix>* dirty) {
  size_t n = 0;
  for (auto it = stale_.begin(); it != stale_.end();) {
    if (family && it->address.family != *family) {
      ++it;
      continue;
    }
    routes_.erase(*it);
    dirty->push_back(*it);
    it = stale_.erase(it);
    ++n;
  }
  return n;
}

void AdjRibIn::encode(const UpdateCodecOptions& options, std::string* out) const {
  std::map<std::pair<const PathAttributes*, net::Family>, std::vector<net::IpPrefix>> groups;
  for (const auto& [prefix, attrs] : routes_) {
    groups[{attrs.get(), prefix.address.family}].push_back(prefix);
  }
  for (auto& [key, prefixes] : groups) encodeUpdates(prefixes, *key.first, false, options, out);
}

}  // namespace hitless::bgp
