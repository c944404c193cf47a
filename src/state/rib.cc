#include "state/rib.h"

#include <algorithm>

#include "messages/rib_messages.h"

namespace hitless::state {

std::string_view Rib::canonical(const net::Route& r) {
  scratch_.clear();
  messages::encodeRouteUpdate(r, digest_version_, &scratch_);
  return scratch_;
}

// Either form: an unchanged route is compared, never copied.
template <typename R>
bool Rib::store(R&& route) {
  uint32_t at = index_.find(route.prefix, keyAt());
  if (at != PrefixIndex::kNone) {
    net::Route& old = routes_[at];
    if (old == route) return false;
    digest_.remove(canonical(old));
    old = std::forward<R>(route);
    digest_.add(canonical(old));
    return true;
  }
  digest_.add(canonical(route));
  const net::IpPrefix prefix = route.prefix;
  index_.insert(prefix, routes_.add(std::forward<R>(route)));
  return true;
}

bool Rib::upsert(const net::Route& route) { return store(route); }
bool Rib::upsert(net::Route&& route) { return store(std::move(route)); }

bool Rib::withdraw(const net::IpPrefix& prefix) {
  uint32_t at = index_.erase(prefix, keyAt());
  if (at == PrefixIndex::kNone) return false;
  digest_.remove(canonical(routes_[at]));
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
}

void Rib::reserve(size_t routes) { index_.reserve(routes); }

const net::Route* Rib::find(const net::IpPrefix& prefix) const {
  uint32_t at = index_.find(prefix, keyAt());
  return at == PrefixIndex::kNone ? nullptr : &routes_[at];
}

void Rib::setDigestVersion(issu::MessageVersion version) {
  digest_version_ = version;
  digest_.clear();
  forEach([this](const net::Route& r) { digest_.add(canonical(r)); });
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
