#include "bgp/bgp_speaker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/log.h"

namespace hitless::bgp {
namespace {

// RIB positions the restart's stale-route scan looks at per loop turn (~3 ms at a full table).
constexpr size_t kStaleScanPositions = 32768;

int familyIndex(net::Family f) { return f == net::Family::kIpv6 ? 1 : 0; }

// Lower is better; compares two candidate paths for one prefix.
struct Candidate {
  const PathAttributes* attrs;
  const BgpSession* session;
};
bool better(const Candidate& a, const Candidate& b) {
  uint32_t lpa = a.attrs->local_pref.value_or(100), lpb = b.attrs->local_pref.value_or(100);
  if (lpa != lpb) return lpa > lpb;
  if (a.attrs->pathLength() != b.attrs->pathLength()) {
    return a.attrs->pathLength() < b.attrs->pathLength();
  }
  if (a.attrs->origin != b.attrs->origin) return a.attrs->origin < b.attrs->origin;
  uint32_t meda = a.attrs->med.value_or(0), medb = b.attrs->med.value_or(0);
  if (meda != medb) return meda < medb;
  if (a.session->isEbgp() != b.session->isEbgp()) return a.session->isEbgp();
  if (a.session->peerOpen().bgp_id != b.session->peerOpen().bgp_id) {
    return a.session->peerOpen().bgp_id < b.session->peerOpen().bgp_id;
  }
  return a.session->peer().address < b.session->peer().address;
}

}  // namespace

BgpSpeaker::BgpSpeaker(event::EventLoop& loop, BgpConfig config, BgpHost& host)
    : loop_(loop), config_(std::move(config)), host_(host) {}

BgpSpeaker::~BgpSpeaker() {
  *alive_ = false;
  if (listen_fd_.valid()) loop_.removeFd(listen_fd_.get());
  if (restart_timer_) loop_.cancelTimer(restart_timer_);
  if (stale_scan_timer_) loop_.cancelTimer(stale_scan_timer_);
  for (auto& p : peers_) {
    if (p->stale_timer) loop_.cancelTimer(p->stale_timer);
  }
}

LocalConfig BgpSpeaker::localConfig() const {
  LocalConfig l;
  l.asn = config_.asn;
  l.router_id = config_.router_id;
  l.graceful_restart_time_s = config_.graceful_restart_time_s;
  l.restarting = restarting_;
  return l;
}

Status BgpSpeaker::listen() {
  if (config_.port == 0 || listen_fd_.valid()) return Status::ok();
  event::UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::ioError(std::string("bgp socket: ") + std::strerror(errno));
  int zero = 0, one = 1;
  setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(config_.port);
  sa.sin6_addr = in6addr_any;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      ::listen(fd.get(), 64) != 0) {
    return Status::ioError("bgp: cannot listen on port " + std::to_string(config_.port) + ": " +
                           std::strerror(errno));
  }
  listen_fd_ = std::move(fd);
  return loop_.addFd(listen_fd_.get(), EPOLLIN, [this](uint32_t) { onAccept(); });
}

void BgpSpeaker::stopListening() {
  if (!listen_fd_.valid()) return;
  loop_.removeFd(listen_fd_.get());
  listen_fd_.reset();
}

Status BgpSpeaker::start(bool restarting, std::vector<AdoptedSession> adopted) {
  // Listening first, so that a start that fails (the port still held) costs no table scan.
  RETURN_IF_ERROR(listen());
  // Until the scan of the RIB for stale routes (continueStaleScan) says otherwise, a restarting
  // speaker is restarting: a session that opens meanwhile says so (R bit), and the restart
  // cannot end before the scan did.
  if (restarting) {
    restarting_ = true;
    stale_scan_ = 0;
  }
  for (const auto& pc : config_.peers) {
    auto it = std::find_if(adopted.begin(), adopted.end(),
                           [&](const AdoptedSession& a) { return a.state.peer == pc.address; });
    if (it == adopted.end()) {
      addPeer(pc);
      continue;
    }
    // Listed before it adopts: what the session writes at once (a KEEPALIVE) comes back through
    // callbacks that look it up.
    peers_.push_back(std::make_unique<Peer>());
    Peer& p = *peers_.back();
    p.session = std::make_unique<BgpSession>(loop_, localConfig(), pc, *this);
    p.adj_in = std::move(it->adj_in);
    Status s = p.session->adopt(std::move(it->fd), it->state, it->resend);
    if (!s.isOk()) {
      logEvent("BGP", Severity::kError, "NSR_ADOPT_FAILED", s.message());
      peers_.pop_back();
      addPeer(pc);
      continue;
    }
    p.prefixes_sent = exportedCount(*p.session);
    p.eor_in[0] = p.eor_in[1] = true;  // its table came over whole
    host_.bgpSessionChanged(checkpointOf(*p.session), p.session->socketFd());
  }
  if (stale_scan_) {
    continueStaleScan();
  } else {
    maybeFinishRestart(false);
  }
  return Status::ok();
}

void BgpSpeaker::continueStaleScan() {
  stale_scan_timer_ = 0;
  if (!stale_scan_) return;
  // Routes some session holds are current: in a planned switchover every BGP route came with its
  // adopted session and nothing is stale. A session that started since (a neighbor restarting)
  // counts too: what it re-announced is current. A prefix is looked for first in the session that
  // held the one before: a table arrives in runs per session, so most prefixes cost one lookup
  // whatever the number of sessions (256 sessions looked up in turn cost seconds).
  std::vector<net::IpPrefix> piece;
  piece.reserve(kStaleScanPositions);
  const BgpHost::PrefixWalk walk = host_.bgpPrefixesFrom(*stale_scan_, kStaleScanPositions, &piece);
  auto current = [&](const net::IpPrefix& p) {
    for (size_t k = 0; k < peers_.size(); ++k) {
      const size_t j = (stale_hint_ + k) % peers_.size();
      if (peers_[j]->adj_in.find(p) != nullptr) {
        stale_hint_ = j;
        return true;
      }
    }
    return false;
  };
  state::forEachPrefetched(
      piece.size(),
      [&](size_t i) {
        if (!peers_.empty()) peers_[stale_hint_ % peers_.size()]->adj_in.prefetch(piece[i]);
      },
      [&](size_t i) {
        if (!current(piece[i])) restart_stale_.insert(piece[i]);
      });
  if (!walk.done) {
    stale_scan_ = walk.next;
    stale_scan_timer_ = loop_.addTimer(0, [this] { continueStaleScan(); });
    return;
  }
  finishStaleScan();
}

void BgpSpeaker::finishStaleScan() {
  stale_scan_.reset();
  const bool cold = restart_stale_.empty() && host_.forwardingPreserved();
  restarting_ = !restart_stale_.empty() || cold;
  if (!restarting_) {
    for (auto& p : peers_) p->session->setRestarting(false);
    return;
  }
  logEvent("BGP", Severity::kNotice, "GR_RESTARTING",
           cold ? std::string("graceful restart from config (cold takeover): the FIB keeps its "
                              "routes until every neighbor sent End-of-RIB")
                : "graceful restart: keeping " + std::to_string(restart_stale_.size()) +
                      " BGP routes in the FIB until every neighbor sent End-of-RIB");
  restart_timer_ = loop_.addTimer(int64_t{config_.graceful_restart_time_s} * 1000, [this] {
    restart_timer_ = 0;
    maybeFinishRestart(true);
  });
  maybeFinishRestart(false);
}

size_t BgpSpeaker::exportedCount(const BgpSession& s) const {
  size_t n = 0;
  for (const auto& net : config_.networks) n += net.address.family == s.localAddress().family;
  return n;
}

messages::BgpSessionCheckpoint BgpSpeaker::checkpointOf(const BgpSession& s) const {
  messages::BgpSessionCheckpoint c;
  c.peer = s.peer().address;
  c.established = s.state() == SessionState::kEstablished;
  if (c.established) {
    c.local_open = s.localOpenBytes();
    c.peer_open = s.peerOpenBytes();
    c.session_id = s.sessionId();
  }
  c.rx_offset = s.rxOffset();
  c.tx_offset = s.txOffset();
  return c;
}

bool BgpSpeaker::quiesce() {
  bool flushed = true;
  for (auto& p : peers_) {
    if (p->session->state() != SessionState::kEstablished) continue;
    if (!p->session->quiesced()) p->session->quiesce();
    flushed = flushed && p->session->pendingOutput() == 0;
  }
  return flushed;
}

std::vector<messages::BgpSessionCheckpoint> BgpSpeaker::handoverState() {
  std::vector<messages::BgpSessionCheckpoint> out;
  for (auto& p : peers_) {
    if (p->session->state() != SessionState::kEstablished) continue;
    messages::BgpSessionCheckpoint c = checkpointOf(*p->session);
    c.handover = true;
    c.pending_input = p->session->quiesce();  // idempotent: the bytes read and not yet parsed
    out.push_back(std::move(c));
  }
  return out;
}

void BgpSpeaker::resumeInput() {
  schedulePendingSlice();
  for (auto& p : peers_) p->session->resumeInput();
}

void BgpSpeaker::resume() {
  for (auto& p : peers_) p->session->resume();
}

void BgpSpeaker::resyncStandby() {
  for (auto& p : peers_) {
    const BgpSession& s = *p->session;
    p->resync.reset();
    if (s.state() != SessionState::kEstablished) continue;
    host_.bgpSessionChanged(checkpointOf(s), s.socketFd());
    p->resync = Peer::ResyncCursor{s.sessionId(), 0};
  }
}

bool BgpSpeaker::continueResync() {
  for (auto& p : peers_) {
    if (!p->resync) continue;
    const BgpSession& s = *p->session;
    if (s.state() != SessionState::kEstablished || s.sessionId() != p->resync->session_id) {
      // Ended or replaced: a new session's state and input go to the standby from its start.
      p->resync.reset();
      continue;
    }
    std::string all;
    p->resync->next =
        p->adj_in.encodeFrom(p->resync->next, kResyncPrefixes, s.codecOptions(), &all);
    if (p->resync->next >= p->adj_in.positions()) p->resync.reset();
    // In pieces of about 1 MiB, cut at message boundaries: a checkpoint frame is bounded.
    std::string_view rest = all;
    while (!rest.empty()) {
      size_t cut = 0;
      while (cut < rest.size() && cut < (size_t{1} << 20)) {
        cut += *messageLength(rest.substr(cut)).value;  // our own encoding: always whole
      }
      messages::BgpInputCheckpoint input{s.peer().address, s.rxOffset(),
                                         std::string(rest.substr(0, cut)), /*snapshot=*/true};
      host_.applyBgpChanges({}, &input);
      rest.remove_prefix(cut);
    }
    return false;  // one piece per call; the next call finds whether any is left
  }
  return true;
}

void BgpSpeaker::stop(const std::string& reason, bool keep_routes) {
  state::RibDelta delta;
  for (auto& p : peers_) {
    p->session->stop(err::kCeaseAdminShutdown, reason);
    if (!keep_routes) {
      std::vector<net::IpPrefix> dirty;
      p->adj_in.clear(&dirty);
      select(dirty, &delta);
    }
  }
  if (!delta.empty()) host_.applyBgpChanges(std::move(delta), nullptr);
}

BgpSpeaker::Peer* BgpSpeaker::findPeer(const BgpSession& s) {
  for (auto& p : peers_) {
    if (p->session.get() == &s) return p.get();
  }
  return nullptr;
}

BgpSpeaker::Peer* BgpSpeaker::findPeer(const net::IpAddress& a) {
  for (auto& p : peers_) {
    if (p->session->peer().address == a) return p.get();
  }
  return nullptr;
}

void BgpSpeaker::addPeer(const PeerConfig& pc) {
  auto p = std::make_unique<Peer>();
  p->session = std::make_unique<BgpSession>(loop_, localConfig(), pc, *this);
  Peer& ref = *p;
  peers_.push_back(std::move(p));
  ref.session->start();
}

void BgpSpeaker::removePeer(const net::IpAddress& a, const std::string& reason) {
  auto it = std::find_if(peers_.begin(), peers_.end(),
                         [&](const auto& p) { return p->session->peer().address == a; });
  if (it == peers_.end()) return;
  std::unique_ptr<Peer> gone = std::move(*it);
  peers_.erase(it);
  gone->session->stop(err::kCeasePeerDeconfigured, reason);
  if (gone->stale_timer) loop_.cancelTimer(gone->stale_timer);
  // The peer is no longer in peers_: its paths are gone.
  selectLater(std::make_unique<AdjRibIn>(std::move(gone->adj_in)));
}

Status BgpSpeaker::reconfigure(BgpConfig config) {
  if (config.asn != config_.asn || config.router_id != config_.router_id ||
      config.port != config_.port) {
    return Status::failedPrecondition(
        "changing bgp.asn, bgp.router-id or bgp.port needs a BGP restart");
  }
  BgpConfig old = std::move(config_);
  config_ = std::move(config);
  for (const auto& pc : old.peers) {
    auto it = std::find_if(config_.peers.begin(), config_.peers.end(),
                           [&](const PeerConfig& n) { return n.address == pc.address; });
    if (it == config_.peers.end() || !(*it == pc)) removePeer(pc.address, "neighbor reconfigured");
  }
  for (const auto& pc : config_.peers) {
    if (!findPeer(pc.address)) addPeer(pc);
  }
  if (old.networks != config_.networks) {
    std::vector<net::IpPrefix> gone;
    std::set_difference(old.networks.begin(), old.networks.end(), config_.networks.begin(),
                        config_.networks.end(), std::back_inserter(gone));
    for (auto& p : peers_) {
      if (p->session->state() != SessionState::kEstablished) continue;
      std::string out;
      for (net::Family f : {net::Family::kIpv4, net::Family::kIpv6}) {
        std::vector<net::IpPrefix> of_family;
        for (const auto& g : gone) {
          if (g.address.family == f) of_family.push_back(g);
        }
        encodeUpdates(of_family, {}, true, p->session->codecOptions(), &out);
      }
      if (!out.empty()) p->session->send(out, 1);
      exportTo(*p);
    }
  }
  return Status::ok();
}

void BgpSpeaker::onAccept() {
  while (true) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    event::UniqueFd fd(
        ::accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC));
    if (!fd.valid()) return;
    net::IpAddress from = addressOf(ss);
    Peer* p = findPeer(from);
    if (!p) {
      logEvent("BGP", Severity::kWarning, "UNKNOWN_PEER",
               "connection from " + from.toString() + " refused: not a configured neighbor");
      continue;
    }
    p->session->acceptConnection(std::move(fd));
  }
}

PathAttributes BgpSpeaker::exportAttrs(const BgpSession& s) const {
  PathAttributes a;
  a.origin = Origin::kIgp;
  if (s.isEbgp()) {
    a.as_path = {config_.asn};
  } else {
    a.local_pref = 100;
  }
  a.next_hop = s.localAddress();
  return a;
}

void BgpSpeaker::exportTo(Peer& p) {
  BgpSession& s = *p.session;
  std::string out;
  PathAttributes attrs = exportAttrs(s);
  std::vector<net::IpPrefix> same_family;
  for (const auto& n : config_.networks) {
    // Next hop self: only prefixes of the session's own family have a usable next hop.
    if (n.address.family == s.localAddress().family) same_family.push_back(n);
  }
  encodeUpdates(same_family, attrs, false, s.codecOptions(), &out);
  p.prefixes_sent = same_family.size();
  for (AfiSafi a : {kIpv4Unicast, kIpv6Unicast}) {
    if (s.negotiated(a)) encodeEndOfRib(a, &out);
  }
  s.send(out, same_family.empty() ? 0 : 1);
}

void BgpSpeaker::onEstablished(BgpSession& s) {
  Peer* p = findPeer(s);
  if (!p) return;
  p->eor_in[0] = p->eor_in[1] = false;
  const auto& gr = s.peerOpen().caps.graceful_restart;
  if (p->adj_in.staleCount() > 0) {
    // RFC 4724 §4.2: if the peer no longer preserves forwarding for a family (no GR, or F bit
    // clear), its stale routes of that family go now rather than at End-of-RIB.
    state::RibDelta delta;
    for (net::Family f : {net::Family::kIpv4, net::Family::kIpv6}) {
      bool kept = false;
      if (gr) {
        for (const auto& fam : gr->families) {
          kept = kept || (familyOf(fam.afi_safi) == f && fam.forwarding_preserved);
        }
      }
      if (!kept) sweepStale(*p, f, &delta);
    }
    if (!delta.empty()) host_.applyBgpChanges(std::move(delta), nullptr);
  }
  logEvent("BGP", Severity::kNotice, "ADJCHANGE",
           "neighbor " + s.peer().address.toString() + " Up");
  host_.bgpSessionChanged(checkpointOf(s), s.socketFd());
  exportTo(*p);
}

void BgpSpeaker::onUpdates(BgpSession& s, std::vector<UpdateMessage>& updates, std::string_view raw,
                           uint64_t offset) {
  Peer* p = findPeer(s);
  if (!p) return;
  std::vector<net::IpPrefix> dirty;
  state::RibDelta delta;
  for (auto& u : updates) {
    p->adj_in.apply(u, config_.asn, &dirty);
    if (u.end_of_rib) {
      select(dirty, &delta);
      dirty.clear();
      endOfRib(*p, *u.end_of_rib, &delta);
    }
  }
  select(dirty, &delta);
  messages::BgpInputCheckpoint input{s.peer().address, offset, std::string(raw)};
  const uint64_t through = offset + raw.size();
  host_.applyBgpInput(std::move(delta), input,
                      onSession(s, [through](BgpSession& x) { x.inputDurable(through); }));
  maybeFinishRestart(false);
}

void BgpSpeaker::onPartialInput(BgpSession& s, std::string_view bytes, uint64_t offset) {
  messages::BgpInputCheckpoint input{s.peer().address, offset, std::string(bytes)};
  input.partial = true;
  const uint64_t through = offset + bytes.size();
  host_.applyBgpInput({}, input,
                      onSession(s, [through](BgpSession& x) { x.inputDurable(through); }));
}

void BgpSpeaker::onOutput(BgpSession& s, std::string_view bytes, uint64_t offset,
                          uint64_t written) {
  messages::BgpOutputCheckpoint out{s.peer().address, s.sessionId(), offset, std::string(bytes),
                                    written};
  const uint64_t through = offset + bytes.size();
  host_.checkpointBgpOutput(out,
                            onSession(s, [through](BgpSession& x) { x.outputDurable(through); }));
}

std::function<void()> BgpSpeaker::onSession(const BgpSession& s,
                                            std::function<void(BgpSession&)> fn) {
  return [this, alive = alive_, peer = s.peer().address, id = s.sessionId(), fn = std::move(fn)] {
    if (!*alive) return;
    Peer* p = findPeer(peer);
    if (p != nullptr && p->session->sessionId() == id) fn(*p->session);
  };
}

void BgpSpeaker::select(const std::vector<net::IpPrefix>& dirty, state::RibDelta* delta) {
  auto prefetch = [&](size_t i) {
    for (const auto& p : peers_) p->adj_in.prefetch(dirty[i]);
  };
  state::forEachPrefetched(dirty.size(), prefetch, [&](size_t i) {
    const net::IpPrefix& prefix = dirty[i];
    std::optional<Candidate> best;
    for (const auto& p : peers_) {
      const PathAttributes* attrs = p->adj_in.find(prefix);
      if (attrs == nullptr) continue;
      Candidate c{attrs, p->session.get()};
      if (!best || better(c, *best)) best = c;
    }
    if (!best) {
      // No path left. During a graceful restart a pre-restart route stays until the sweep; while
      // the stale-route scan runs, whether it is one is not known yet: it is kept as one (the
      // restart ends only after the scan, and sweeps it then unless it came back).
      if (stale_scan_) {
        restart_stale_.insert(prefix);
      } else if (restart_stale_.count(prefix) == 0) {
        delta->withdraw(prefix);
      }
      return;
    }
    if (!restart_stale_.empty()) restart_stale_.erase(prefix);
    net::Route r;
    r.prefix = prefix;
    r.nexthops.push_back({best->attrs->next_hop, 0, 1});
    r.protocol = kProtocolBgp;
    r.distance = best->session->isEbgp() ? kDistanceEbgp : kDistanceIbgp;
    delta->upsert(std::move(r));
  });
}

void BgpSpeaker::selectLater(std::vector<net::IpPrefix> dirty) {
  if (pending_at_ == pending_select_.size()) {
    pending_select_ = std::move(dirty);
    pending_at_ = 0;
  } else {
    pending_select_.insert(pending_select_.end(), dirty.begin(), dirty.end());
  }
  schedulePendingSlice();
}

void BgpSpeaker::selectLater(std::unique_ptr<AdjRibIn> gone) {
  if (gone->empty()) return;
  draining_.push_back({std::move(gone), 0});
  schedulePendingSlice();
}

void BgpSpeaker::schedulePendingSlice() {
  if (!selectPending() || pending_scheduled_) return;
  // Flow control as for input: with the standby behind, wait for resumeInput().
  if (!host_.readyForInput()) return;
  pending_scheduled_ = true;
  loop_.addTimer(0, [this, alive = alive_] {
    if (*alive) selectPendingSlice();
  });
}

void BgpSpeaker::selectPendingSlice() {
  pending_scheduled_ = false;
  if (!host_.readyForInput()) return;  // resumeInput() goes on
  std::vector<net::IpPrefix> slice;
  if (pending_at_ < pending_select_.size()) {
    const size_t end = std::min(pending_select_.size(), pending_at_ + kSelectSlice);
    slice.assign(pending_select_.begin() + static_cast<ptrdiff_t>(pending_at_),
                 pending_select_.begin() + static_cast<ptrdiff_t>(end));
    pending_at_ = end;
    if (pending_at_ == pending_select_.size()) {
      pending_select_ = {};  // release the table's worth of prefixes
      pending_at_ = 0;
    }
  } else if (!draining_.empty()) {
    DrainingTable& d = draining_.front();
    d.next = d.table->prefixesFrom(d.next, kSelectSlice, &slice);
    if (d.next >= d.table->positions()) draining_.pop_front();
  }
  state::RibDelta delta;
  select(slice, &delta);
  if (!delta.empty()) host_.applyBgpChanges(std::move(delta), nullptr);
  schedulePendingSlice();
}

void BgpSpeaker::sweepStale(Peer& p, std::optional<net::Family> family, state::RibDelta* delta) {
  select(takeStale(p, family), delta);
}

std::vector<net::IpPrefix> BgpSpeaker::takeStale(Peer& p, std::optional<net::Family> family) {
  std::vector<net::IpPrefix> dirty;
  size_t n = p.adj_in.sweepStale(family, &dirty);
  if (n > 0) {
    logEvent("BGP", Severity::kNotice, "GR_STALE_SWEPT",
             "neighbor " + p.session->peer().address.toString() + ": " + std::to_string(n) +
                 " stale routes removed");
  }
  if (p.adj_in.staleCount() == 0 && p.stale_timer) {
    loop_.cancelTimer(p.stale_timer);
    p.stale_timer = 0;
  }
  return dirty;
}

void BgpSpeaker::endOfRib(Peer& p, AfiSafi afi_safi, state::RibDelta* delta) {
  net::Family f = familyOf(afi_safi);
  if (f == net::Family::kNone) return;
  p.eor_in[familyIndex(f)] = true;
  sweepStale(p, f, delta);
}

void BgpSpeaker::maybeFinishRestart(bool deadline) {
  if (!restarting_ || stale_scan_) return;  // the scan finishes first (finishStaleScan)
  if (!deadline) {
    for (const auto& p : peers_) {
      const BgpSession& s = *p->session;
      if (s.state() != SessionState::kEstablished) return;
      for (AfiSafi a : {kIpv4Unicast, kIpv6Unicast}) {
        if (s.negotiated(a) && !p->eor_in[familyIndex(familyOf(a))]) return;
      }
    }
  }
  restarting_ = false;
  if (restart_timer_) {
    loop_.cancelTimer(restart_timer_);
    restart_timer_ = 0;
  }
  state::RibDelta delta;
  for (const auto& prefix : restart_stale_) delta.withdraw(prefix);
  logEvent("BGP", Severity::kNotice, "GR_RESTART_COMPLETE",
           std::string(deadline ? "restart time passed" : "End-of-RIB from every neighbor") + "; " +
               std::to_string(delta.size()) + " routes not re-announced removed");
  restart_stale_.clear();
  for (auto& p : peers_) p->session->setRestarting(false);
  if (!delta.empty()) host_.applyBgpChanges(std::move(delta), nullptr);
  host_.bgpRestartComplete();
}

void BgpSpeaker::onRouteRefresh(BgpSession& s, AfiSafi) {
  if (Peer* p = findPeer(s)) exportTo(*p);
}

void BgpSpeaker::onDown(BgpSession& s, const std::string& reason, bool peer_restarting) {
  Peer* p = findPeer(s);
  if (!p) return;
  ++p->flaps;
  p->last_down_reason = reason;
  messages::BgpSessionCheckpoint down;
  down.peer = s.peer().address;
  host_.bgpSessionChanged(down, -1);
  if (peer_restarting && !p->adj_in.empty()) {
    p->adj_in.markAllStale();
    uint16_t t = s.peerOpen().caps.graceful_restart->restart_time_s;
    logEvent("BGP", Severity::kNotice, "GR_HELPER",
             "neighbor " + s.peer().address.toString() + " restarting: keeping " +
                 std::to_string(p->adj_in.staleCount()) + " routes stale for up to " +
                 std::to_string(t) + " s");
    if (p->stale_timer) loop_.cancelTimer(p->stale_timer);
    net::IpAddress addr = s.peer().address;
    p->stale_timer = loop_.addTimer(int64_t{t} * 1000, [this, addr] {
      Peer* q = findPeer(addr);
      if (!q) return;
      q->stale_timer = 0;
      selectLater(takeStale(*q, std::nullopt));  // a whole table may have gone stale
    });
    return;
  }
  selectLater(std::make_unique<AdjRibIn>(std::exchange(p->adj_in, AdjRibIn())));
}

}  // namespace hitless::bgp
