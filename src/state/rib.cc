#include "state/rib.h"

#include <algorithm>
#include <utility>

#include "messages/rib_messages.h"

namespace hitless::state {

std::string_view Rib::canonical(const net::Route& r, issu::MessageVersion version) {
  scratch_.clear();
  messages::encodeRouteUpdate(r, version, &scratch_);
  return scratch_;
}

void Rib::trackNext(uint32_t at, const net::Route& r, int sign) {
  if (!next_ || at >= next_->walked) return;
  std::string_view bytes = canonical(r, next_->version);
  if (sign > 0) {
    next_->digest.add(bytes);
  } else {
    next_->digest.remove(bytes);
  }
}

// Either form: an unchanged route is compared, never copied.
template <typename R>
bool Rib::store(R&& route) {
  uint32_t at = index_.find(route.prefix, keyAt());
  if (at != PrefixIndex::kNone) {
    net::Route& old = routes_[at];
    if (old == route) return false;
    digest_.remove(canonical(old));
    trackNext(at, old, -1);
    old = std::forward<R>(route);
    digest_.add(canonical(old));
    trackNext(at, old, +1);
    return true;
  }
  digest_.add(canonical(route));
  const net::IpPrefix prefix = route.prefix;
  const uint32_t added = routes_.add(std::forward<R>(route));
  index_.insert(prefix, added);
  trackNext(added, routes_[added], +1);
  return true;
}

bool Rib::upsert(const net::Route& route) { return store(route); }
bool Rib::upsert(net::Route&& route) { return store(std::move(route)); }

bool Rib::withdraw(const net::IpPrefix& prefix) {
  uint32_t at = index_.erase(prefix, keyAt());
  if (at == PrefixIndex::kNone) return false;
  digest_.remove(canonical(routes_[at]));
  trackNext(at, routes_[at], -1);
  routes_.remove(at);
  return true;
}

void Rib::apply(const RibDelta& delta) {
  const auto& changes = delta.changes;
  forEachPrefetched(
      changes.size(), [&](size_t i) { prefetch(changes[i].route.prefix); },
      [&](size_t i) {
        const RibChange& c = changes[i];
        if (c.op == RibChange::kUpsert) {
          upsert(c.route);
        } else {
          withdraw(c.route.prefix);
        }
      });
}

void Rib::clear() {
  routes_.clear();
  index_.clear();
  digest_.clear();
  if (next_) digest_version_ = std::exchange(next_, std::nullopt)->version;
}

void Rib::reserve(size_t routes) { index_.reserve(routes); }

const net::Route* Rib::find(const net::IpPrefix& prefix) const {
  uint32_t at = index_.find(prefix, keyAt());
  return at == PrefixIndex::kNone ? nullptr : &routes_[at];
}

void Rib::setDigestVersion(issu::MessageVersion version) {
  beginDigestVersion(version);
  continueDigestVersion(routes_.positions());
}

void Rib::beginDigestVersion(issu::MessageVersion version) {
  if (version == digest_version_) {
    next_.reset();  // back to the version the digest is at: nothing to compute
    return;
  }
  if (next_ && next_->version == version) return;
  next_ = NextDigest{version, StateDigest(), 0};
}

bool Rib::continueDigestVersion(size_t max_positions) {
  if (!next_) return true;
  next_->walked = forEachRouteAt(next_->walked, max_positions, [this](const net::Route& r) {
    next_->digest.add(canonical(r, next_->version));
  });
  if (next_->walked < routes_.positions()) return false;
  digest_ = next_->digest;
  digest_version_ = next_->version;
  next_.reset();
  return true;
}

void Rib::forEach(const std::function<void(const net::Route&)>& fn) const {
  routes_.forEachPosition([&](const net::Route& r) {
    if (r.prefix.address.family != net::Family::kNone) fn(r);
  });
}

std::vector<net::IpPrefix> Rib::prefixes() const {
  std::vector<net::IpPrefix> out;
  out.reserve(size());
  forEach([&](const net::Route& r) { out.push_back(r.prefix); });
  return out;
}

std::vector<net::Route> Rib::sorted() const {
  std::vector<net::Route> out;
  out.reserve(size());
  forEach([&](const net::Route& r) { out.push_back(r); });
  std::sort(out.begin(), out.end(),
            [](const net::Route& a, const net::Route& b) { return a.prefix < b.prefix; });
  return out;
}

std::string ConfigStore::entry(const std::string& path, const std::string& value) {
  std::string e = path;
  e.push_back('\0');
  e += value;
  return e;
}

bool ConfigStore::set(const std::string& path, const std::string& value) {
  auto [it, inserted] = items_.try_emplace(path, value);
  if (!inserted) {
    if (it->second == value) return false;
    digest_.remove(entry(path, it->second));
    it->second = value;
  }
  digest_.add(entry(path, value));
  return true;
}

bool ConfigStore::erase(const std::string& path) {
  auto it = items_.find(path);
  if (it == items_.end()) return false;
  digest_.remove(entry(path, it->second));
  items_.erase(it);
  return true;
}

void ConfigStore::clear() {
  items_.clear();
  digest_.clear();
}

const std::string* ConfigStore::get(const std::string& path) const {
  auto it = items_.find(path);
  return it == items_.end() ? nullptr : &it->second;
}

}  // namespace hitless::state
