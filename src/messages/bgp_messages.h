// The ISSU BGP client's checkpoint messages: what the standby RP needs to take over BGP sessions
// without the neighbors noticing (NSR, docs/bgp.md).
//
// The state that crosses is deliberately BGP's own wire format — the two OPEN messages of a
// session and the UPDATE messages exactly as received — so any two releases agree on it: the
// standby runs the same decoder on the same bytes and rebuilds the same Adj-RIB-In, negotiated
// capabilities and timers. The TCP socket itself crosses separately (SCM_RIGHTS).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "net/ip.h"
#include "wire/tlv.h"

namespace hitless::messages {

// One neighbor's session, sent when it reaches Established, when it ends, and at handover.
struct BgpSessionCheckpoint {
  net::IpAddress peer;
  bool established = false;
  std::string local_open, peer_open;  // the OPEN messages exchanged, header included
  uint64_t session_id = 0;            // pairs this state with the socket passed beside it
  uint64_t rx_offset = 0;  // bytes of the peer's stream processed (and checkpointed) so far
  uint64_t tx_offset = 0;  // bytes written to the peer so far
  // Handover only: the active stopped using the socket; these bytes were read from it but do
  // not yet form a whole message. The standby prepends them to what it reads next.
  bool handover = false;
  std::string pending_input;
  bool operator==(const BgpSessionCheckpoint&) const = default;
};
void encodeBgpSession(const BgpSessionCheckpoint& m, std::string* out);
Result<BgpSessionCheckpoint> decodeBgpSession(wire::ByteView payload);

// Whole BGP messages received from a neighbor, in stream order, starting at `offset`. A
// snapshot is not input: the active's Adj-RIB-In re-encoded for a new standby (the stream
// stands where the session state says). Partial (from 1.1): the first bytes of the message at
// `offset`, not yet whole — held, not applied, superseded by the input that completes it.
struct BgpInputCheckpoint {
  net::IpAddress peer;
  uint64_t offset = 0;
  std::string messages;
  bool snapshot = false;
  bool partial = false;
  bool operator==(const BgpInputCheckpoint&) const = default;
};
void encodeBgpInput(const BgpInputCheckpoint& m, std::string* out);
Result<BgpInputCheckpoint> decodeBgpInput(wire::ByteView payload);

// Whole BGP messages the active is about to write to a neighbor, starting at stream offset
// `offset` (write-ahead: they reach the socket only once the standby holds them), and how many
// bytes of the stream the active had handed to the kernel when it produced them.
struct BgpOutputCheckpoint {
  net::IpAddress peer;
  uint64_t session_id = 0;
  uint64_t offset = 0;
  std::string messages;
  uint64_t written = 0;
  bool operator==(const BgpOutputCheckpoint&) const = default;
};
void encodeBgpOutput(const BgpOutputCheckpoint& m, std::string* out);
Result<BgpOutputCheckpoint> decodeBgpOutput(wire::ByteView payload);

}  // namespace hitless::messages
