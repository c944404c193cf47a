#include "bgp/adj_rib_in.h"

#include <cstdint>

#include <algorithm>
#include <map>

namespace hitless::bgp {

uint32_t AdjRibIn::addAttrSet(std::unique_ptr<const PathAttributes> attrs) {
  if (free_attr_sets_.empty()) {
    attr_sets_.push_back({std::move(attrs), 0});
    return static_cast<uint32_t>(attr_sets_.size());
  }
  uint32_t id = free_attr_sets_.back();
  free_attr_sets_.pop_back();
  attr_sets_[id - 1] = {std::move(attrs), 0};
  return id;
}

void AdjRibIn::unref(uint32_t id) {
  AttrSet& set = attr_sets_[id - 1];
  if (--set.refs > 0) return;
  set.attrs.reset();
  free_attr_sets_.push_back(id);
}

void AdjRibIn::remove(const net::IpPrefix& p, std::vector<net::IpPrefix>* dirty) {
  uint32_t at = index_.erase(p, keyAt());
  if (at == state::PrefixIndex::kNone) return;
  if (entries_[at].stale) --stale_;
  unref(entries_[at].attrs);
  entries_.remove(at);
  dirty->push_back(p);
}

void AdjRibIn::removeAll(const std::vector<net::IpPrefix>& prefixes,
                         std::vector<net::IpPrefix>* dirty) {
  state::forEachPrefetched(
      prefixes.size(), [&](size_t i) { prefetch(prefixes[i]); },
      [&](size_t i) { remove(prefixes[i], dirty); });
}

void AdjRibIn::apply(const UpdateMessage& u, uint32_t local_as, std::vector<net::IpPrefix>* dirty) {
  removeAll(u.withdrawn, dirty);
  const auto& path = u.attrs.as_path;
  if (std::find(path.begin(), path.end(), local_as) != path.end()) {
    removeAll(u.nlri, dirty);
    return;
  }
  // One shared attribute set per message and next hop: a full table holds a few thousand.
  uint32_t classic = 0, mp = 0;
  state::forEachPrefetched(
      u.nlri.size(), [&](size_t i) { prefetch(u.nlri[i]); },
      [&](size_t i) {
        uint32_t& a = i < u.classic_nlri ? classic : mp;
        if (a == 0) {
          auto pa = std::make_unique<PathAttributes>(u.attrs);
          pa->next_hop = u.nextHopOf(i);
          a = addAttrSet(std::move(pa));
        }
        ++attr_sets_[a - 1].refs;
        const net::IpPrefix& p = u.nlri[i];
        uint32_t at = index_.find(p, keyAt());
        if (at == state::PrefixIndex::kNone) {
          index_.insert(p, entries_.add(Entry{p, false, a}));
        } else {
          Entry& e = entries_[at];
          if (e.stale) --stale_;  // re-announced: fresh again
          e.stale = false;
          unref(e.attrs);
          e.attrs = a;
        }
        dirty->push_back(p);
      });
}

const PathAttributes* AdjRibIn::find(const net::IpPrefix& p) const {
  uint32_t at = index_.find(p, keyAt());
  return at == state::PrefixIndex::kNone ? nullptr : attr_sets_[entries_[at].attrs - 1].attrs.get();
}

void AdjRibIn::clear(std::vector<net::IpPrefix>* dirty) {
  forEachRoute([&](const Entry& e) { dirty->push_back(e.prefix); });
  index_.clear();
  entries_.clear();
  attr_sets_.clear();
  free_attr_sets_.clear();
  stale_ = 0;
}

size_t AdjRibIn::prefixesFrom(size_t from, size_t max, std::vector<net::IpPrefix>* out) const {
  return forEachRouteFrom(from, max, [&](const Entry& e) { out->push_back(e.prefix); });
}

void AdjRibIn::markAllStale() {
  entries_.forEachPosition([](Entry& e) { e.stale = e.attrs != 0; });
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
  encodeFrom(0, SIZE_MAX, options, out);
}

size_t AdjRibIn::encodeFrom(size_t from, size_t max, const UpdateCodecOptions& options,
                            std::string* out) const {
  std::map<std::pair<const PathAttributes*, net::Family>, std::vector<net::IpPrefix>> groups;
  const size_t next = forEachRouteFrom(from, max, [&](const Entry& e) {
    groups[{attr_sets_[e.attrs - 1].attrs.get(), e.prefix.address.family}].push_back(e.prefix);
  });
  for (auto& [key, prefixes] : groups) encodeUpdates(prefixes, *key.first, false, options, out);
  return next;
}

}  // namespace hitless::bgp
