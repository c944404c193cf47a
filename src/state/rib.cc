#include "state/rib.h"

#include <algorithm>

#include "messages/rib_messages.h"

namespace hitless::state {

size_t PrefixHash::operator()(const net::IpPrefix& p) const {
  return static_cast<size_t>(hash64(
      std::string_view(reinterpret_cast<const char*>(p.address.bytes.data()), p.address.size()),
      (static_cast<uint64_t>(p.address.family) << 8) | p.length));
}

std::string_view Rib::canonical(const net::Route& r) {
  scratch_.clear();
  messages::encodeRouteUpdate(r, digest_version_, &scratch_);
  return scratch_;
}

bool Rib::upsert(const net::Route& route) {
  auto [it, inserted] = routes_.try_emplace(route.prefix, route);
  if (!inserted) {
    if (it->second == route) return false;
    digest_.remove(canonical(it->second));
    it->second = route;
  }
  digest_.add(canonical(route));
  return true;
}

bool Rib::withdraw(const net::IpPrefix& prefix) {
  auto it = routes_.find(prefix);
  if (it == routes_.end()) return false;
  digest_.remove(canonical(it->second));
  routes_.erase(it);
  return true;
}

void Rib::apply(const RibDelta& delta) {
  for (const auto& c : delta.changes) {
    if (c.op == RibChange::kUpsert) {
      upsert(c.route);
    } else {
      withdraw(c.route.prefix);
    }
  }
}

void Rib::clear() {
  routes_.clear();
  digest_.clear();
}

const net::Route* Rib::find(const net::IpPrefix& prefix) const {
  auto it = routes_.find(prefix);
  return it == routes_.end() ? nullptr : &it->second;
}

void Rib::setDigestVersion(issu::MessageVersion version) {
  digest_version_ = version;
  digest_.clear();
  for (const auto& [p, r] : routes_) digest_.add(canonical(r));
}

void Rib::forEach(const std::function<void(const net::Route&)>& fn) const {
  for (const auto& [p, r] : routes_) fn(r);
}

std::vector<net::IpPrefix> Rib::prefixes() const {
  std::vector<net::IpPrefix> out;
  out.reserve(routes_.size());
  for (const auto& [p, r] : routes_) out.push_back(p);
  return out;
}

std::vector<net::Route> Rib::sorted() const {
  std::vector<net::Route> out;
  out.reserve(routes_.size());
  for (const auto& [p, r] : routes_) out.push_back(r);
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
