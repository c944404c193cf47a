#include "bgp/adj_rib_in.h"

#include <algorithm>
#include <map>

namespace hitless::bgp {

void AdjRibIn::remove(const net::IpPrefix& p, std::vector<net::IpPrefix>* dirty) {
  uint32_t at = index_.erase(p, keyAt());
  if (at == state::PrefixIndex::kNone) return;
  if (entries_[at].stale) --stale_;
  entries_.remove(at);
  dirty->push_back(p);
}

void AdjRibIn::apply(const UpdateMessage& u, uint32_t local_as, std::vector<net::IpPrefix>* dirty) {
  for (const auto& w : u.withdrawn) remove(w, dirty);
  const auto& path = u.attrs.as_path;
  if (std::find(path.begin(), path.end(), local_as) != path.end()) {
    for (const auto& p : u.nlri) remove(p, dirty);
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
    const net::IpPrefix& p = u.nlri[i];
    uint32_t at = index_.find(p, keyAt());
    if (at == state::PrefixIndex::kNone) {
      index_.insert(p, entries_.add(Entry{a, p, false}));
    } else {
      Entry& e = entries_[at];
      if (e.stale) --stale_;  // re-announced: fresh again
      e.stale = false;
      e.attrs = a;
    }
    dirty->push_back(p);
  }
}

const PathAttributes* AdjRibIn::find(const net::IpPrefix& p) const {
  uint32_t at = index_.find(p, keyAt());
  return at == state::PrefixIndex::kNone ? nullptr : entries_[at].attrs.get();
}

void AdjRibIn::clear(std::vector<net::IpPrefix>* dirty) {
  forEachRoute([&](const Entry& e) { dirty->push_back(e.prefix); });
  index_.clear();
  entries_.clear();
  stale_ = 0;
}

void AdjRibIn::markAllStale() {
  entries_.forEachPosition([](Entry& e) { e.stale = e.attrs != nullptr; });
  stale_ = index_.size();
}

size_t AdjRibIn::sweepStale(std::optional<net::Family> family, std::vector<net::IpPrefix>* dirty) {
  std::vector<net::IpPrefix> gone;
  forEachRoute([&](const Entry& e) {
    if (e.stale && (!family || e.prefix.address.family == *family)) gone.push_back(e.prefix);
  });
  for (const auto& p : gone) remove(p, dirty);
  return gone.size();
}

void AdjRibIn::encode(const UpdateCodecOptions& options, std::string* out) const {
  std::map<std::pair<const PathAttributes*, net::Family>, std::vector<net::IpPrefix>> groups;
  forEachRoute([&](const Entry& e) {
    groups[{e.attrs.get(), e.prefix.address.family}].push_back(e.prefix);
  });
  for (auto& [key, prefixes] : groups) encodeUpdates(prefixes, *key.first, false, options, out);
}

}  // namespace hitless::bgp
