// NetlinkFib's kernel nexthop objects: making, learning, checking and removing them (the
// contract is in netlink_fib.h).
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "fib/netlink_attrs.h"
#include "fib/netlink_fib.h"

namespace hitless::fib {

namespace {

nlmsghdr* putNexthopRequest(char* buf, uint16_t type, uint16_t flags, int family,
                            uint8_t protocol) {
  auto* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  auto* nhm = static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nhmsg)));
  nhm->nh_family = static_cast<unsigned char>(family);
  nhm->nh_protocol = protocol;
  return nlh;
}

// A nexthop object as the kernel describes it.
struct NexthopMessage {
  uint32_t id = 0;
  uint8_t protocol = 0;
  net::NextHop hop;
  bool plain = true;  // a single gateway (not a group, blackhole or encapsulation)
};

bool parseNexthop(const nlmsghdr* nlh, NexthopMessage* out) {
  if (nlh->nlmsg_type != RTM_NEWNEXTHOP) return false;
  const auto* nhm = static_cast<const nhmsg*>(mnl_nlmsg_get_payload(nlh));
  out->protocol = nhm->nh_protocol;
  bool has_gateway = false;
  forEachAttribute(nlh, sizeof(nhmsg), [&](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case NHA_ID:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) out->id = mnl_attr_get_u32(a);
        break;
      case NHA_OIF:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) out->hop.ifindex = mnl_attr_get_u32(a);
        break;
      case NHA_GATEWAY: {
        auto gw = net::IpAddress::fromBytes(std::string_view(
            static_cast<const char*>(mnl_attr_get_payload(a)), mnl_attr_get_payload_len(a)));
        if (gw.isOk()) {
          out->hop.gateway = *gw;
          has_gateway = true;
        }
        break;
      }
      case NHA_GROUP:
      case NHA_BLACKHOLE:
      case NHA_ENCAP:
      case NHA_FDB:
        out->plain = false;
        break;
      default:
        break;
    }
  });
  out->plain = out->plain && has_gateway && out->hop.ifindex != 0 && out->id != 0;
  return true;
}

int onNexthop(const nlmsghdr* nlh, void* data) {
  NexthopMessage m;
  if (parseNexthop(nlh, &m)) static_cast<std::vector<NexthopMessage>*>(data)->push_back(m);
  return MNL_CB_OK;
}

// The answer to a route lookup: where a destination goes.
struct Lookup {
  bool unicast = false;
  bool via_gateway = false;
  uint32_t ifindex = 0;
};

int onLookup(const nlmsghdr* nlh, void* data) {
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  auto* out = static_cast<Lookup*>(data);
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  out->unicast = rtm->rtm_type == RTN_UNICAST;
  forEachAttribute(nlh, sizeof(rtmsg), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == RTA_GATEWAY || mnl_attr_get_type(a) == RTA_VIA) {
      out->via_gateway = true;
    }
    if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
      out->ifindex = mnl_attr_get_u32(a);
    }
  });
  return MNL_CB_OK;
}

}  // namespace

uint32_t NetlinkFib::nexthopId(const net::IpPrefix& prefix, const net::NextHop& nh) {
  // An IPv6 next hop of an IPv4 route (RFC 5549) keeps RTA_VIA: not worth a second object kind.
  if (!nexthops_usable_ || nh.gateway.family != prefix.address.family) return 0;
  if (last_nexthop_.second != 0 && last_nexthop_.first == nh) return last_nexthop_.second;
  auto it = nexthop_ids_.find(nh);
  uint32_t id = 0;
  if (it != nexthop_ids_.end()) {
    id = it->second;
  } else {
    uint32_t ifindex = nh.ifindex;
    // An IPv6 link-local gateway means nothing without its interface: a lookup would pick one
    // where the kernel refuses such a route outright, so it keeps that refusal.
    bool link_local = nh.gateway.family == net::Family::kIpv6 && nh.gateway.bytes[0] == 0xfe &&
                      (nh.gateway.bytes[1] & 0xc0) == 0x80;
    if (ifindex == 0 && !link_local) {
      auto direct = directInterface(nh.gateway);
      ifindex = direct.isOk() ? *direct : 0;
    }
    if (ifindex != 0) {
      // One object per gateway and interface, whether routes name the interface or not.
      for (const auto& [object, hop] : nexthop_objects_) {
        if (hop.gateway == nh.gateway && hop.ifindex == ifindex) id = object;
      }
      if (id == 0) {
        auto made = createNexthop(nh.gateway, ifindex);
        if (made.isOk()) id = *made;
      }
    }
    nexthop_ids_[nh] = id;  // 0 too: this apply() does not ask again for every route
  }
  last_nexthop_ = {nh, id};
  return id;
}

Result<uint32_t> NetlinkFib::directInterface(const net::IpAddress& gateway) {
  char req[256];
  auto* nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(familyOf(gateway));
  rtm->rtm_dst_len = static_cast<unsigned char>(gateway.size() * 8);
  mnl_attr_put(nlh, RTA_DST, gateway.size(), gateway.bytes.data());
  Lookup found;
  int refused = 0;
  RETURN_IF_ERROR(exchange(nlh, onLookup, &found, &refused));
  if (refused != 0 || !found.unicast || found.via_gateway) return uint32_t{0};
  return found.ifindex;
}

Result<uint32_t> NetlinkFib::createNexthop(const net::IpAddress& gateway, uint32_t ifindex) {
  char req[256];
  // ECHO: the kernel picks the id (no clash with another daemon's objects) and sends it back.
  auto* nlh = putNexthopRequest(req, RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                                familyOf(gateway), options_.protocol);
  mnl_attr_put_u32(nlh, NHA_OIF, ifindex);
  mnl_attr_put(nlh, NHA_GATEWAY, gateway.size(), gateway.bytes.data());
  std::vector<NexthopMessage> echoed;
  int refused = 0;
  RETURN_IF_ERROR(exchange(nlh, onNexthop, &echoed, &refused));
  if (refused == EOPNOTSUPP || refused == EAFNOSUPPORT) nexthops_usable_ = false;  // old kernel
  if (refused != 0) {
    return Status::ioError(std::string("nexthop object refused: ") + strerror(refused));
  }
  if (echoed.empty() || echoed.front().id == 0) {
    return Status::ioError("the kernel did not say which id the nexthop object has");
  }
  uint32_t id = echoed.front().id;
  nexthop_objects_[id] = net::NextHop{gateway, ifindex, 1};
  return id;
}

Status NetlinkFib::dumpNexthops() {
  nexthop_objects_.clear();
  nexthop_ids_.clear();
  last_nexthop_ = {};
  if (!nexthops_usable_) return Status::ok();
  char req[256];
  auto* nlh = putNexthopRequest(req, RTM_GETNEXTHOP, NLM_F_DUMP, AF_UNSPEC, 0);
  std::vector<NexthopMessage> all;
  int refused = 0;
  RETURN_IF_ERROR(exchange(nlh, onNexthop, &all, &refused));
  if (refused != 0) {
    nexthops_usable_ = false;  // no nexthop objects in this kernel: routes carry gateways
    return Status::ok();
  }
  for (const auto& m : all) {
    if (m.protocol == options_.protocol && m.plain) nexthop_objects_[m.id] = m.hop;
  }
  return Status::ok();
}

bool NetlinkFib::nexthopExists(uint32_t id) {
  char req[256];
  auto* nlh = putNexthopRequest(req, RTM_GETNEXTHOP, 0, AF_UNSPEC, 0);
  mnl_attr_put_u32(nlh, NHA_ID, id);
  int refused = 0;
  return exchange(nlh, nullptr, nullptr, &refused).isOk() && refused == 0;
}

void NetlinkFib::forgetNexthop(uint32_t id) {
  nexthop_objects_.erase(id);
  std::erase_if(nexthop_ids_, [id](const auto& entry) { return entry.second == id; });
  last_nexthop_ = {};
}

Status NetlinkFib::retryVanishedNexthops(std::span<const FibOp> ops, size_t begin, size_t end,
                                         std::vector<FibOpError>* errors, size_t first_error) {
  std::set<uint32_t> vanished, present;
  std::vector<size_t> retry;  // op indices
  for (size_t e = first_error; e < errors->size(); ++e) {
    size_t i = (*errors)[e].index;
    uint32_t id = i >= begin && i < end ? chunk_ids_[i - begin] : 0;
    if (id == 0 || present.count(id)) continue;  // refused for a reason of its own
    if (!vanished.count(id)) {
      if (nexthopExists(id)) {
        present.insert(id);
        continue;
      }
      vanished.insert(id);
      forgetNexthop(id);
    }
    retry.push_back(i);
  }
  if (retry.empty()) return Status::ok();
  std::vector<FibOp> again;
  for (size_t i : retry) again.push_back(ops[i]);
  std::vector<FibOpError> again_errors;
  bool overflow = false;
  RETURN_IF_ERROR(sendChunk(again, 0, again.size(), true, true, &again_errors, &overflow));
  if (overflow) return Status::ioError("netlink: kernel answers overflow even one by one");
  std::set<size_t> retried(retry.begin(), retry.end());
  errors->erase(std::remove_if(errors->begin() + static_cast<ptrdiff_t>(first_error), errors->end(),
                               [&](const FibOpError& e) { return retried.count(e.index) > 0; }),
                errors->end());
  for (auto& e : again_errors) errors->push_back({retry[e.index], e.error, std::move(e.message)});
  return Status::ok();
}

Result<size_t> NetlinkFib::removeUnusedNexthops() {
  std::vector<uint32_t> unused;
  for (const auto& [id, hop] : nexthop_objects_) {
    if (!nexthop_refs_.count(id)) unused.push_back(id);
  }
  for (uint32_t id : unused) {
    char req[256];
    auto* nlh = putNexthopRequest(req, RTM_DELNEXTHOP, 0, AF_UNSPEC, 0);
    mnl_attr_put_u32(nlh, NHA_ID, id);
    int refused = 0;
    RETURN_IF_ERROR(exchange(nlh, nullptr, nullptr, &refused));
    if (refused != 0 && refused != ENOENT) {
      return Status::ioError("cannot remove nexthop object " + std::to_string(id) + ": " +
                             strerror(refused));
    }
    forgetNexthop(id);
  }
  return unused.size();
}

}  // namespace hitless::fib
