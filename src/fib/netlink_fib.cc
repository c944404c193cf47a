#include "fib/netlink_fib.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "fib/netlink_attrs.h"

namespace hitless::fib {

namespace {

constexpr size_t kMaxMessageBytes = 512;  // one route with up to ~24 next hops
constexpr int kSocketBufferBytes = 32 << 20;
constexpr size_t kReceiveBytes = 1 << 20;
constexpr size_t kOverflowChunk = 64;

// A gateway of the route's own family is RTA_GATEWAY; an IPv6 next hop of an IPv4 route is RTA_VIA.
void putGateway(nlmsghdr* nlh, const net::IpPrefix& prefix, const net::IpAddress& gw) {
  if (gw.family == net::Family::kNone) return;
  if (gw.family == prefix.address.family) {
    mnl_attr_put(nlh, RTA_GATEWAY, gw.size(), gw.bytes.data());
    return;
  }
  char via[sizeof(rtvia) + 16];
  auto* v = reinterpret_cast<rtvia*>(via);
  v->rtvia_family = static_cast<__kernel_sa_family_t>(familyOf(gw));
  std::memcpy(v->rtvia_addr, gw.bytes.data(), gw.size());
  mnl_attr_put(nlh, RTA_VIA, sizeof(rtvia) + gw.size(), via);
}

Result<net::IpAddress> readVia(const nlattr* attr) {
  size_t len = mnl_attr_get_payload_len(attr);
  if (len < sizeof(rtvia)) return Status::corruption("short RTA_VIA");
  const auto* v = static_cast<const rtvia*>(mnl_attr_get_payload(attr));
  return net::IpAddress::fromBytes(
      std::string_view(reinterpret_cast<const char*>(v->rtvia_addr), len - sizeof(rtvia)));
}

std::string extackMessage(const nlmsghdr* nlh, const nlmsgerr* err) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  size_t off = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const char* start = reinterpret_cast<const char*>(err) + off;
  const char* end = reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len;
  if (start >= end) return "";
  int len = static_cast<int>(end - start);
  for (auto* a = reinterpret_cast<const nlattr*>(start); mnl_attr_ok(a, len);
       a = mnl_attr_next(a)) {
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
      return std::string(mnl_attr_get_str(a),
                         strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)));
    }
    len -= static_cast<int>(MNL_ALIGN(a->nla_len));
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<NetlinkFib>> NetlinkFib::open(NetlinkFibOptions options) {
  std::unique_ptr<NetlinkFib> fib(new NetlinkFib(options));
  fib->socket_ = mnl_socket_open(NETLINK_ROUTE);
  if (!fib->socket_) return Status::ioError(std::string("netlink socket: ") + strerror(errno));
  if (mnl_socket_bind(fib->socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
    return Status::ioError(std::string("netlink bind: ") + strerror(errno));
  }
  fib->portid_ = mnl_socket_get_portid(fib->socket_);
  int fd = mnl_socket_get_fd(fib->socket_);
  int size = kSocketBufferBytes;
  // FORCE needs CAP_NET_ADMIN (fwdd has it); fall back to what the sysctl limits allow.
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  }
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  int one = 1;
  // Errors without the echoed request (smaller), with the kernel's text (clearer); dumps filtered
  // by protocol and table in the kernel. All optional: older kernels just lose the nicety.
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  fib->buffer_.resize(options.batch * kMaxMessageBytes);
  fib->receive_.resize(kReceiveBytes);
  fib->nexthops_usable_ = options.nexthop_objects;
  return fib;
}

NetlinkFib::~NetlinkFib() {
  if (socket_) mnl_socket_close(socket_);
}

Result<std::vector<FibOpError>> NetlinkFib::apply(std::span<const FibOp> ops) {
  std::vector<FibOpError> errors;
  // A gateway that could not have an object last time (not reachable yet) is tried again.
  std::erase_if(nexthop_ids_, [](const auto& entry) { return entry.second == 0; });
  last_nexthop_ = {};
  for (size_t begin = 0; begin < ops.size(); begin += options_.batch) {
    size_t end = std::min(ops.size(), begin + options_.batch);
    bool overflow = false;
    size_t before = errors.size();
    RETURN_IF_ERROR(sendChunk(ops, begin, end, false, false, &errors, &overflow));
    if (!overflow) {
      RETURN_IF_ERROR(retryVanishedNexthops(ops, begin, end, &errors, before));
      continue;
    }
    // Some answers were lost: replay the chunk (idempotent), an ack per message, small pieces.
    ++overflow_recoveries_;
    errors.resize(before);
    for (size_t b = begin; b < end; b += kOverflowChunk) {
      bool again = false;
      size_t e = std::min(end, b + kOverflowChunk), piece_errors = errors.size();
      RETURN_IF_ERROR(sendChunk(ops, b, e, true, false, &errors, &again));
      if (again) return Status::ioError("netlink: kernel answers overflow even one by one");
      RETURN_IF_ERROR(retryVanishedNexthops(ops, b, e, &errors, piece_errors));
    }
  }
  return errors;
}

Status NetlinkFib::sendChunk(std::span<const FibOp> ops, size_t begin, size_t end, bool ack_each,
                             bool plain, std::vector<FibOpError>* errors, bool* overflow) {
  // Objects first: making one is a request of its own, and the chunk's sequence numbers must
  // stay contiguous.
  if (!plain) {
    chunk_ids_.assign(end - begin, 0);
    for (size_t i = begin; i < end; ++i) {
      const net::Route& r = *ops[i].route;
      if (ops[i].kind == FibOp::kReplace && r.nexthops.size() == 1) {
        chunk_ids_[i - begin] = nexthopId(r.prefix, r.nexthops[0]);
      }
    }
  }
  char* buf = buffer_.data();
  size_t used = 0;
  const uint32_t first_seq = seq_;
  for (size_t i = begin; i < end; ++i) {
    const net::Route& r = *ops[i].route;
    auto* nlh = mnl_nlmsg_put_header(buf + used);
    bool replace = ops[i].kind == FibOp::kReplace;
    nlh->nlmsg_type = replace ? RTM_NEWROUTE : RTM_DELROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    if (replace) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
    if (ack_each || i + 1 == end) nlh->nlmsg_flags |= NLM_F_ACK;
    nlh->nlmsg_seq = seq_++;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = static_cast<unsigned char>(familyOf(r.prefix.address));
    rtm->rtm_dst_len = r.prefix.length;
    rtm->rtm_table = options_.table < 256 ? static_cast<unsigned char>(options_.table) : 0;
    rtm->rtm_protocol = options_.protocol;
    rtm->rtm_scope = replace ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
    rtm->rtm_type = replace ? (r.nexthops.empty() ? RTN_BLACKHOLE : RTN_UNICAST) : 0;
    mnl_attr_put(nlh, RTA_DST, r.prefix.address.size(), r.prefix.address.bytes.data());
    if (options_.table >= 256) mnl_attr_put_u32(nlh, RTA_TABLE, options_.table);
    if (r.metric != 0) mnl_attr_put_u32(nlh, RTA_PRIORITY, r.metric);
    uint32_t nexthop_id = plain ? 0 : chunk_ids_[i - begin];
    if (replace && nexthop_id != 0) {
      mnl_attr_put_u32(nlh, RTA_NH_ID, nexthop_id);
    } else if (replace && r.nexthops.size() == 1) {
      putGateway(nlh, r.prefix, r.nexthops[0].gateway);
      if (r.nexthops[0].ifindex) mnl_attr_put_u32(nlh, RTA_OIF, r.nexthops[0].ifindex);
    } else if (replace && r.nexthops.size() > 1) {
      nlattr* nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
      for (const auto& nh : r.nexthops) {
        auto* rtnh = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(nlh));
        std::memset(rtnh, 0, sizeof(*rtnh));
        rtnh->rtnh_hops = static_cast<unsigned char>(std::clamp<uint32_t>(nh.weight, 1, 256) - 1);
        rtnh->rtnh_ifindex = static_cast<int>(nh.ifindex);
        nlh->nlmsg_len += RTNH_ALIGN(sizeof(rtnexthop));
        putGateway(nlh, r.prefix, nh.gateway);
        rtnh->rtnh_len = static_cast<unsigned short>(
            static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)) - reinterpret_cast<char*>(rtnh));
      }
      mnl_attr_nest_end(nlh, nest);
    }
    used += nlh->nlmsg_len;
  }
  const uint32_t last_seq = seq_ - 1;
  if (mnl_socket_sendto(socket_, buf, used) < 0) {
    return Status::ioError(std::string("netlink send: ") + strerror(errno));
  }
  messages_sent_ += end - begin;
  // The kernel handled the whole buffer inside sendmsg; collect errors until the last ack.
  while (true) {
    ssize_t n = mnl_socket_recvfrom(socket_, receive_.data(), receive_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        *overflow = true;
        // Drain what is queued so the replay starts from a clean socket.
        while (recv(mnl_socket_get_fd(socket_), receive_.data(), receive_.size(), MSG_DONTWAIT) >
               0) {
        }
        return Status::ok();
      }
      return Status::ioError(std::string("netlink receive: ") + strerror(errno));
    }
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(receive_.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      if (nlh->nlmsg_seq < first_seq || nlh->nlmsg_seq > last_seq) continue;  // a stale answer
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      size_t index = begin + (nlh->nlmsg_seq - first_seq);
      bool is_delete = ops[index].kind == FibOp::kDelete;
      if (err->error != 0 && !(is_delete && err->error == -ESRCH)) {
        std::string text = extackMessage(nlh, err);
        std::string msg = strerror(-err->error);
        if (!text.empty()) msg += " (" + text + ")";
        errors->push_back({index, -err->error, msg});
      }
      if (nlh->nlmsg_seq == last_seq) return Status::ok();
    }
  }
}

Result<std::vector<net::Route>> NetlinkFib::dump() {
  std::vector<net::Route> routes;
  RETURN_IF_ERROR(dumpNexthops());
  nexthop_refs_.clear();
  RETURN_IF_ERROR(dumpFamily(AF_INET, &routes));
  RETURN_IF_ERROR(dumpFamily(AF_INET6, &routes));
  return routes;
}

namespace {

struct ParsedRoute {
  const NetlinkFibOptions* options;
  std::vector<net::Route>* out;
  const std::map<uint32_t, net::NextHop>* nexthop_objects;  // this FIB's, by id
  std::map<uint32_t, size_t>* nexthop_refs;                 // routes naming each
  Status status;
};

Status parseNextHop(const nlattr* attr, net::NextHop* nh) {
  if (mnl_attr_get_type(attr) == RTA_GATEWAY) {
    ASSIGN_OR_RETURN(nh->gateway, net::IpAddress::fromBytes(std::string_view(
                                      static_cast<const char*>(mnl_attr_get_payload(attr)),
                                      mnl_attr_get_payload_len(attr))));
  } else if (mnl_attr_get_type(attr) == RTA_VIA) {
    ASSIGN_OR_RETURN(nh->gateway, readVia(attr));
  }
  return Status::ok();
}

int onRouteMessage(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<ParsedRoute*>(data);
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_protocol != ctx->options->protocol) return MNL_CB_OK;
  if (rtm->rtm_flags & RTM_F_CLONED) return MNL_CB_OK;
  if (rtm->rtm_type != RTN_UNICAST && rtm->rtm_type != RTN_BLACKHOLE) return MNL_CB_OK;
  uint32_t table = rtm->rtm_table;
  net::Route r;
  std::string_view dst;
  net::Family family = rtm->rtm_family == AF_INET ? net::Family::kIpv4 : net::Family::kIpv6;
  net::NextHop single;
  bool has_single = false;
  uint32_t nexthop_id = 0;
  Status st;
  forEachAttribute(nlh, sizeof(rtmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_TABLE:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) table = mnl_attr_get_u32(attr);
        break;
      case RTA_DST:
        dst = std::string_view(static_cast<const char*>(mnl_attr_get_payload(attr)),
                               mnl_attr_get_payload_len(attr));
        break;
      case RTA_PRIORITY:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) r.metric = mnl_attr_get_u32(attr);
        break;
      case RTA_NH_ID:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) nexthop_id = mnl_attr_get_u32(attr);
        break;
      case RTA_GATEWAY:
      case RTA_VIA:
        has_single = true;
        if (Status s = parseNextHop(attr, &single); !s.isOk()) st = s;
        break;
      case RTA_OIF:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
          single.ifindex = mnl_attr_get_u32(attr);
          has_single = true;
        }
        break;
      case RTA_MULTIPATH: {
        const char* p = static_cast<const char*>(mnl_attr_get_payload(attr));
        size_t left = mnl_attr_get_payload_len(attr);
        while (left >= sizeof(rtnexthop)) {
          const auto* rtnh = reinterpret_cast<const rtnexthop*>(p);
          if (rtnh->rtnh_len < sizeof(rtnexthop) || rtnh->rtnh_len > left) break;
          net::NextHop nh;
          nh.ifindex = static_cast<uint32_t>(rtnh->rtnh_ifindex);
          nh.weight = rtnh->rtnh_hops + 1u;
          int inner = static_cast<int>(rtnh->rtnh_len - RTNH_ALIGN(sizeof(rtnexthop)));
          for (auto* a = reinterpret_cast<const nlattr*>(p + RTNH_ALIGN(sizeof(rtnexthop)));
               mnl_attr_ok(a, inner); a = mnl_attr_next(a)) {
            inner -= static_cast<int>(MNL_ALIGN(a->nla_len));
            if (Status s = parseNextHop(a, &nh); !s.isOk()) st = s;
          }
          r.nexthops.push_back(nh);
          size_t step = RTNH_ALIGN(rtnh->rtnh_len);
          if (step > left) break;
          p += step;
          left -= step;
        }
        break;
      }
      default:
        break;
    }
  });
  if (table != ctx->options->table) return MNL_CB_OK;
  if (!st.isOk()) {
    ctx->status = st;
    return MNL_CB_ERROR;
  }
  static const char kZeros[16] = {};
  if (dst.empty()) dst = std::string_view(kZeros, family == net::Family::kIpv4 ? 4 : 16);
  auto addr = net::IpAddress::fromBytes(dst);
  if (!addr.isOk()) {
    ctx->status = addr.status();
    return MNL_CB_ERROR;
  }
  auto prefix = net::IpPrefix::make(*addr, rtm->rtm_dst_len);
  if (!prefix.isOk()) {
    ctx->status = prefix.status();
    return MNL_CB_ERROR;
  }
  r.prefix = *prefix;
  // A route naming one of our objects forwards as the object does (the gateway attributes the
  // kernel adds beside the id are absent when net.ipv4.nexthop_compat_mode is 0).
  if (auto it = ctx->nexthop_objects->find(nexthop_id); it != ctx->nexthop_objects->end()) {
    ++(*ctx->nexthop_refs)[nexthop_id];
    r.nexthops.clear();
    single = it->second;
    has_single = true;
  }
  if (rtm->rtm_type == RTN_UNICAST && r.nexthops.empty() && has_single)
    r.nexthops.push_back(single);
  toKernelForm(&r);
  ctx->out->push_back(std::move(r));
  return MNL_CB_OK;
}

}  // namespace

Status NetlinkFib::dumpFamily(int family, std::vector<net::Route>* out) {
  char req[256];
  auto* nlh = mnl_nlmsg_put_header(req);
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(family);
  rtm->rtm_protocol = options_.protocol;  // filters in the kernel under strict checking
  rtm->rtm_table = options_.table < 256 ? static_cast<unsigned char>(options_.table) : 0;
  if (options_.table >= 256) mnl_attr_put_u32(nlh, RTA_TABLE, options_.table);
  ParsedRoute ctx{&options_, out, &nexthop_objects_, &nexthop_refs_, Status::ok()};
  Status s = exchange(nlh, onRouteMessage, &ctx);
  if (!ctx.status.isOk()) return ctx.status.withContext("netlink dump");
  return s;
}

Status NetlinkFib::exchange(nlmsghdr* request, int (*on_message)(const nlmsghdr*, void*),
                            void* data, int* refused) {
  // Both dump bits: in a NEW request one of them means EXCL (a dump ends with DONE, not an ack).
  if ((request->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) request->nlmsg_flags |= NLM_F_ACK;
  request->nlmsg_seq = seq_++;
  if (mnl_socket_sendto(socket_, request, request->nlmsg_len) < 0) {
    return Status::ioError(std::string("netlink send: ") + strerror(errno));
  }
  while (true) {
    ssize_t n = mnl_socket_recvfrom(socket_, receive_.data(), receive_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::ioError(std::string("netlink receive: ") + strerror(errno));
    }
    errno = 0;
    int ret = mnl_cb_run(receive_.data(), static_cast<size_t>(n), request->nlmsg_seq, portid_,
                         on_message, data);
    if (ret == MNL_CB_ERROR) {
      if (errno == 0) return Status::ioError("netlink: answer not understood");  // callback's
      if (refused == nullptr) return Status::ioError(std::string("netlink: ") + strerror(errno));
      *refused = errno;
      return Status::ok();
    }
    if (ret == MNL_CB_STOP) {
      if (refused != nullptr) *refused = 0;
      return Status::ok();
    }
  }
}

}  // namespace hitless::fib
