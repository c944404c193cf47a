// BgpShadow: the standby RP's copy of every BGP session of the active, for NSR.
//
// It is fed by the BGP client's checkpoints (session state, raw UPDATE input) and by the
// sockets the active passes beside them (SCM_RIGHTS). It runs the same decoder and AdjRibIn as
// the active, so at a planned switchover it holds, per session, exactly what the active held:
// the socket, the negotiated OPENs, the Adj-RIB-In, and where the byte stream stands.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bgp/bgp_speaker.h"

namespace hitless::bgp {

class BgpShadow {
 public:
  Status apply(const messages::BgpSessionCheckpoint& s);
  Status apply(const messages::BgpInputCheckpoint& in);
  Status apply(const messages::BgpOutputCheckpoint& out);
  // A socket from the active; `payload` names it ("PEER SESSION_ID", see socketPayload()).
  Status attachSocket(std::string_view payload, event::UniqueFd fd);
  static std::string socketPayload(const net::IpAddress& peer, uint64_t session_id);

  // At takeover: the sessions this RP can go on with (state, socket and table), ready for
  // BgpSpeaker::start() — those the old active handed over, and after a crash those whose byte
  // streams the kernel shows intact: input it released is input this shadow holds (the rest is
  // discarded from the queue as already applied), output it holds is output this shadow holds
  // (what the old active had not written yet is to be resent). Every other socket is shut down,
  // so its neighbor sees the session end and keeps our routes as a graceful-restart helper.
  // Leaves the shadow empty.
  std::vector<AdoptedSession> takeAdoptable();
  // Ends every session this shadow holds (their sockets shut down: the neighbors restart them
  // gracefully) and forgets them; `why` goes to the log.
  void abandon(const std::string& why);
  // A new checkpoint session: start over (the active sends every state again).
  void clear();

  size_t sessions() const { return entries_.size(); }
  nlohmann::json status() const;

 private:
  struct Entry {
    messages::BgpSessionCheckpoint state;
    UpdateCodecOptions codec;
    uint32_t local_as = 0;
    AdjRibIn adj_in;
    uint64_t messages = 0;  // UPDATEs applied
    // Write-ahead output not known to have reached the kernel: the stream from out_start on.
    uint64_t out_start = 0;
    std::string output;
    std::string broken;  // why a crash of the active would end this session ("" if it would not)
  };
  // Lines the kernel's view of the socket up with the entry: discards input already applied and
  // returns the output to resend; an error says why the session cannot be taken over.
  static Result<std::string> reconcile(Entry& e, int fd);
  // Shuts one socket down (the neighbor restarts the session gracefully), saying why.
  static void end(const net::IpAddress& peer, int fd, const std::string& why);
  std::map<net::IpAddress, Entry> entries_;
  uint64_t orphan_inputs_ = 0;  // input that arrived before its session's state
  // Sockets by (peer, session id): they may arrive before or after the session's state.
  std::map<std::pair<net::IpAddress, uint64_t>, event::UniqueFd> sockets_;
};

}  // namespace hitless::bgp
