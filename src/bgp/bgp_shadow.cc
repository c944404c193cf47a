#include "bgp/bgp_shadow.h"

#include <sys/socket.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "bgp/tcp_stream.h"

namespace hitless::bgp {

Status BgpShadow::apply(const messages::BgpSessionCheckpoint& s) {
  if (!s.established) {
    entries_.erase(s.peer);
    for (auto it = sockets_.begin(); it != sockets_.end();) {
      it = it->first.first == s.peer ? sockets_.erase(it) : std::next(it);
    }
    return Status::ok();
  }
  auto local = decodeOpen(s.local_open);
  auto remote = decodeOpen(s.peer_open);
  if (!local.ok() || !remote.ok()) {
    return Status::corruption("bgp session checkpoint for " + s.peer.toString() +
                              ": bad OPEN: " + (local.ok() ? remote : local).error.reason);
  }
  Entry& e = entries_[s.peer];
  if (!s.handover) {
    // A new session, or the active sending everything again: its Adj-RIB-In follows.
    std::vector<net::IpPrefix> ignored;
    e.adj_in.clear(&ignored);
    e.messages = 0;
  }
  e.state = s;
  // Everything the active produced before this state is in the kernel (a handover flushed it; a
  // new session writes its first message only after this state).
  e.out_start = s.tx_offset;
  e.output.clear();
  e.broken.clear();
  e.local_as = local.value->asn;
  e.codec.four_octet_as =
      local.value->caps.four_octet_as.has_value() && remote.value->caps.four_octet_as.has_value();
  // Sockets of older sessions of this peer are dead weight now.
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    bool older = it->first.first == s.peer && it->first.second != s.session_id;
    it = older ? sockets_.erase(it) : std::next(it);
  }
  return Status::ok();
}

Status BgpShadow::apply(const messages::BgpInputCheckpoint& in) {
  auto it = entries_.find(in.peer);
  if (it == entries_.end()) {
    // Input of a session whose state has not come yet (it became Established before this
    // standby synced): the active sends that session's whole Adj-RIB-In with its state, so
    // these bytes are not needed. Not a reason to drop the checkpoint session.
    ++orphan_inputs_;
    return Status::ok();
  }
  Entry& e = it->second;
  if (in.partial) {
    // The start of the next message: held (it is out of the kernel's queue), applied once whole.
    if (in.offset != e.state.rx_offset || in.messages.size() >= kMaxMessageSize) {
      return Status::corruption("bgp input for " + in.peer.toString() + ": partial message at " +
                                std::to_string(in.offset) + ", input held through " +
                                std::to_string(e.state.rx_offset));
    }
    e.state.pending_input = in.messages;
    return Status::ok();
  }
  if (!in.snapshot && in.offset != e.state.rx_offset && e.broken.empty()) {
    e.broken = "input checkpointed from offset " + std::to_string(in.offset) + ", held through " +
               std::to_string(e.state.rx_offset);
  }
  std::string_view rest = in.messages;
  std::vector<net::IpPrefix> ignored;
  while (!rest.empty()) {
    auto len = messageLength(rest);
    if (!len.ok() || *len.value == 0 || *len.value > rest.size()) {
      return Status::corruption("bgp input for " + in.peer.toString() + ": not whole messages");
    }
    std::string_view m = rest.substr(0, *len.value);
    rest.remove_prefix(*len.value);
    if (messageType(m) != MessageType::kUpdate) continue;
    auto u = decodeUpdate(m, e.codec);
    // The active accepted this UPDATE with the same decoder: a failure here is corruption.
    if (!u.ok())
      return Status::corruption("bgp input for " + in.peer.toString() + ": " + u.error.reason);
    e.adj_in.apply(*u.value, e.local_as, &ignored);
    ++e.messages;
    ignored.clear();
  }
  if (!in.snapshot) {
    e.state.rx_offset = in.offset + in.messages.size();
    e.state.pending_input.clear();  // the input that completed it
  }
  return Status::ok();
}

Status BgpShadow::apply(const messages::BgpOutputCheckpoint& out) {
  auto it = entries_.find(out.peer);
  // Output of a session whose state has not come (or of one since replaced): not needed.
  if (it == entries_.end() || it->second.state.session_id != out.session_id) return Status::ok();
  Entry& e = it->second;
  if (out.offset != e.out_start + e.output.size() && e.broken.empty()) {
    e.broken = "output checkpointed from offset " + std::to_string(out.offset) + ", held through " +
               std::to_string(e.out_start + e.output.size());
  }
  if (out.written < e.out_start) {
    e.broken = "output said written through " + std::to_string(out.written) + ", before " +
               std::to_string(e.out_start);
  }
  e.output.append(out.messages);
  // What had reached the kernel when the active produced this is not needed any more.
  size_t done = static_cast<size_t>(
      std::min<uint64_t>(out.written - std::min(out.written, e.out_start), e.output.size()));
  e.output.erase(0, done);
  e.out_start += done;
  e.state.tx_offset = out.offset + out.messages.size();
  return Status::ok();
}

Result<std::string> BgpShadow::reconcile(Entry& e, int fd) {
  if (!e.broken.empty()) return Status::failedPrecondition(e.broken);
  ASSIGN_OR_RETURN(TcpStreamPosition pos, tcpStreamPosition(fd));
  const uint64_t held_in = e.state.rx_offset + e.state.pending_input.size();
  if (pos.consumed > held_in) {
    return Status::failedPrecondition("the active had taken " +
                                      std::to_string(pos.consumed - held_in) +
                                      " bytes of input out of the kernel that this RP never got");
  }
  if (held_in - pos.consumed > pos.unread) {
    return Status::corruption("this RP holds input through " + std::to_string(held_in) +
                              " but the stream ends at " +
                              std::to_string(pos.consumed + pos.unread));
  }
  const uint64_t out_end = e.out_start + e.output.size();
  if (pos.written < e.out_start || pos.written > out_end) {
    return Status::failedPrecondition("the kernel holds output through " +
                                      std::to_string(pos.written) + ", this RP holds it from " +
                                      std::to_string(e.out_start) + " to " +
                                      std::to_string(out_end));
  }
  // Applied here already: out of the queue, so that parsing starts where this RP's input ends.
  RETURN_IF_ERROR(event::discardInput(fd, static_cast<size_t>(held_in - pos.consumed)));
  e.state.tx_offset = out_end;
  return e.output.substr(static_cast<size_t>(pos.written - e.out_start));
}

std::string BgpShadow::socketPayload(const net::IpAddress& peer, uint64_t session_id) {
  return peer.toString() + " " + std::to_string(session_id);
}

Status BgpShadow::attachSocket(std::string_view payload, event::UniqueFd fd) {
  size_t space = payload.find(' ');
  if (space == std::string_view::npos) return Status::corruption("socket payload without an id");
  auto peer = net::IpAddress::parse(payload.substr(0, space));
  uint64_t id = 0;
  std::string_view id_text = payload.substr(space + 1);
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (!peer.isOk() || ec != std::errc() || end != id_text.data() + id_text.size()) {
    return Status::corruption("socket payload '" + std::string(payload) + "'");
  }
  sockets_[{*peer, id}] = std::move(fd);
  return Status::ok();
}

std::vector<AdoptedSession> BgpShadow::takeAdoptable() {
  std::vector<AdoptedSession> out;
  std::map<std::pair<net::IpAddress, uint64_t>, std::string> why_not;
  for (auto& [peer, e] : entries_) {
    auto sock = sockets_.find({peer, e.state.session_id});
    if (sock == sockets_.end()) continue;
    auto resend = reconcile(e, sock->second.get());
    if (!resend.isOk()) {
      why_not[sock->first] = resend.status().message();  // ended below
      continue;
    }
    AdoptedSession a;
    a.state = std::move(e.state);
    a.fd = std::move(sock->second);
    a.adj_in = std::move(e.adj_in);
    a.resend = std::move(*resend);
    sockets_.erase(sock);
    out.push_back(std::move(a));
  }
  // Not adoptable: end those sessions for real; the neighbors' graceful restart keeps our routes
  // until the new active has re-established them.
  for (auto& [key, fd] : sockets_) {
    auto why = why_not.find(key);
    end(key.first, fd.get(),
        why != why_not.end() ? why->second : "no state for this session reached this RP");
  }
  sockets_.clear();
  entries_.clear();
  return out;
}

void BgpShadow::end(const net::IpAddress& peer, int fd, const std::string& why) {
  logEvent(
      "BGP", Severity::kNotice, "NSR_NOT_ADOPTED",
      "neighbor " + peer.toString() + ": " + why + "; closing the session for graceful restart");
  ::shutdown(fd, SHUT_RDWR);
}

void BgpShadow::abandon(const std::string& why) {
  for (auto& [key, fd] : sockets_) end(key.first, fd.get(), why);
  sockets_.clear();
  entries_.clear();
}

void BgpShadow::clear() {
  // Sockets stay: they travel beside the checkpoint stream and may already have arrived for
  // the states about to be sent again. A socket no state claims is shut down at takeover.
  entries_.clear();
}

nlohmann::json BgpShadow::status() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [peer, e] : entries_) {
    out.push_back({{"neighbor", peer.toString()},
                   {"prefixes", e.adj_in.size()},
                   {"updates_applied", e.messages},
                   {"rx_offset", e.state.rx_offset},
                   {"socket", sockets_.count({peer, e.state.session_id}) > 0},
                   {"handed_over", e.state.handover},
                   {"output_held", e.output.size()},
                   {"crash_safe", e.broken.empty()},
                   {"not_crash_safe_because", e.broken},
                   {"inputs_before_state", orphan_inputs_}});
  }
  return out;
}

}  // namespace hitless::bgp
