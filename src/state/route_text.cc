#include "state/route_text.h"

#include <charconv>
#include <vector>

namespace hitless::state {
namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename T>
Result<T> number(std::string_view w, const char* what) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc() || p != w.data() + w.size() || v > static_cast<uint64_t>(T(~T{0}))) {
    return Status::invalidArgument(std::string(what) + " '" + std::string(w) + "' is not valid");
  }
  return static_cast<T>(v);
}

Result<net::Route> parseAdd(const std::vector<std::string_view>& w) {
  net::Route r;
  ASSIGN_OR_RETURN(r.prefix, net::IpPrefix::parse(w[1]));
  for (size_t i = 2; i < w.size(); i += 2) {
    if (i + 1 >= w.size())
      return Status::invalidArgument("'" + std::string(w[i]) + "' needs a value");
    std::string_view key = w[i], val = w[i + 1];
    if (key == "via") {
      net::NextHop nh;
      ASSIGN_OR_RETURN(nh.gateway, net::IpAddress::parse(val));
      r.nexthops.push_back(nh);
    } else if (key == "dev" || key == "weight") {
      if (r.nexthops.empty()) r.nexthops.emplace_back();
      if (key == "dev") {
        ASSIGN_OR_RETURN(r.nexthops.back().ifindex, number<uint32_t>(val, "dev"));
      } else {
        ASSIGN_OR_RETURN(r.nexthops.back().weight, number<uint32_t>(val, "weight"));
        if (r.nexthops.back().weight == 0) return Status::invalidArgument("weight must be >= 1");
      }
    } else if (key == "metric") {
      ASSIGN_OR_RETURN(r.metric, number<uint32_t>(val, "metric"));
    } else if (key == "distance") {
      ASSIGN_OR_RETURN(r.distance, number<uint8_t>(val, "distance"));
    } else if (key == "proto") {
      ASSIGN_OR_RETURN(r.protocol, number<uint8_t>(val, "proto"));
    } else if (key == "tag") {
      ASSIGN_OR_RETURN(r.tag, number<uint32_t>(val, "tag"));
    } else {
      return Status::invalidArgument("unknown word '" + std::string(key) +
                                     "' (expected via, dev, weight, metric, distance, proto, tag)");
    }
  }
  if (r.nexthops.empty())
    return Status::invalidArgument("a route needs 'via ADDRESS' or 'dev IFINDEX'");
  for (const auto& nh : r.nexthops) {
    if (nh.gateway.family != net::Family::kNone && nh.gateway.family != r.prefix.address.family) {
      return Status::invalidArgument("next hop " + nh.gateway.toString() +
                                     " is not of the prefix's family");
    }
    if (nh.gateway.family == net::Family::kNone && nh.ifindex == 0) {
      return Status::invalidArgument("a next hop needs 'via ADDRESS' or 'dev IFINDEX'");
    }
  }
  return r;
}

}  // namespace

Result<RibDelta> parseRouteChanges(std::string_view text) {
  RibDelta delta;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto w = words(line);
    if (w.empty()) continue;
    auto where = [&](const Status& s) {
      return Status::invalidArgument("line " + std::to_string(line_no) + ": " + s.message());
    };
    if (w[0] == "add" && w.size() >= 2) {
      auto r = parseAdd(w);
      if (!r.isOk()) return where(r.status());
      delta.upsert(std::move(*r));
    } else if (w[0] == "del" && w.size() == 2) {
      auto p = net::IpPrefix::parse(w[1]);
      if (!p.isOk()) return where(p.status());
      delta.withdraw(*p);
    } else {
      return where(Status::invalidArgument("expected 'add PREFIX ...' or 'del PREFIX'"));
    }
  }
  return delta;
}

std::string formatRoute(const net::Route& r) {
  std::string s = r.prefix.toString();
  for (const auto& nh : r.nexthops) {
    if (nh.gateway.family != net::Family::kNone) s += " via " + nh.gateway.toString();
    if (nh.ifindex != 0) s += " dev " + std::to_string(nh.ifindex);
    if (nh.weight != 1) s += " weight " + std::to_string(nh.weight);
  }
  s += " metric " + std::to_string(r.metric) + " distance " + std::to_string(r.distance) +
       " proto " + std::to_string(r.protocol);
  if (r.tag != 0) s += " tag " + std::to_string(r.tag);
  return s;
}

}  // namespace hitless::state
