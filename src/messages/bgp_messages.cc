#include "messages/bgp_messages.h"

#include "messages/fields.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {

using wire::ByteView;
using wire::TlvWriter;

void encodeBgpSession(const BgpSessionCheckpoint& m, std::string* out) {
  TlvWriter w(out);
  w.addBytes(tags::kBgpSessionPeer, m.peer.raw());
  if (m.established) w.addUint(tags::kBgpSessionEstablished, 1);
  w.addBytes(tags::kBgpSessionLocalOpen, m.local_open);
  w.addBytes(tags::kBgpSessionPeerOpen, m.peer_open);
  w.addUint(tags::kBgpSessionRxOffset, m.rx_offset);
  w.addUint(tags::kBgpSessionTxOffset, m.tx_offset);
  if (m.handover) w.addUint(tags::kBgpSessionHandover, 1);
  if (!m.pending_input.empty()) w.addBytes(tags::kBgpSessionPendingInput, m.pending_input);
  w.addUint(tags::kBgpSessionId, m.session_id);  // tag 9: added last, written last
}

Result<BgpSessionCheckpoint> decodeBgpSession(ByteView payload) {
  BgpSessionCheckpoint m;
  RETURN_IF_ERROR(FieldDecoder("bgp session")
                      .address(tags::kBgpSessionPeer, &m.peer, "peer", Presence::kRequired)
                      .flag(tags::kBgpSessionEstablished, &m.established, "established")
                      .bytes(tags::kBgpSessionLocalOpen, &m.local_open, "local_open")
                      .bytes(tags::kBgpSessionPeerOpen, &m.peer_open, "peer_open")
                      .uint(tags::kBgpSessionId, &m.session_id, "session_id")
                      .uint(tags::kBgpSessionRxOffset, &m.rx_offset, "rx_offset")
                      .uint(tags::kBgpSessionTxOffset, &m.tx_offset, "tx_offset")
                      .flag(tags::kBgpSessionHandover, &m.handover, "handover")
                      .bytes(tags::kBgpSessionPendingInput, &m.pending_input, "pending_input")
                      .decode(payload));
  if (m.established && (m.local_open.empty() || m.peer_open.empty())) {
    return Status::corruption("bgp session: established without both OPEN messages");
  }
  return m;
}

void encodeBgpInput(const BgpInputCheckpoint& m, std::string* out) {
  TlvWriter w(out);
  w.addBytes(tags::kBgpInputPeer, m.peer.raw());
  w.addUint(tags::kBgpInputOffset, m.offset);
  w.addBytes(tags::kBgpInputMessages, m.messages);
  if (m.snapshot) w.addUint(tags::kBgpInputSnapshot, 1);
  if (m.partial) w.addUint(tags::kBgpInputPartial, 1);
}

Result<BgpInputCheckpoint> decodeBgpInput(ByteView payload) {
  BgpInputCheckpoint m;
  RETURN_IF_ERROR(FieldDecoder("bgp input")
                      .address(tags::kBgpInputPeer, &m.peer, "peer", Presence::kRequired)
                      .uint(tags::kBgpInputOffset, &m.offset, "offset", Presence::kRequired)
                      .bytes(tags::kBgpInputMessages, &m.messages, "messages")
                      .flag(tags::kBgpInputSnapshot, &m.snapshot, "snapshot")
                      .flag(tags::kBgpInputPartial, &m.partial, "partial")
                      .decode(payload));
  if (m.snapshot && m.partial) return Status::corruption("bgp input: a snapshot is never partial");
  return m;
}

void encodeBgpOutput(const BgpOutputCheckpoint& m, std::string* out) {
  TlvWriter w(out);
  w.addBytes(tags::kBgpOutputPeer, m.peer.raw());
  w.addUint(tags::kBgpOutputSessionId, m.session_id);
  w.addUint(tags::kBgpOutputOffset, m.offset);
  w.addBytes(tags::kBgpOutputMessages, m.messages);
  w.addUint(tags::kBgpOutputWritten, m.written);
}

Result<BgpOutputCheckpoint> decodeBgpOutput(ByteView payload) {
  BgpOutputCheckpoint m;
  RETURN_IF_ERROR(
      FieldDecoder("bgp output")
          .address(tags::kBgpOutputPeer, &m.peer, "peer", Presence::kRequired)
          .uint(tags::kBgpOutputSessionId, &m.session_id, "session_id", Presence::kRequired)
          .uint(tags::kBgpOutputOffset, &m.offset, "offset", Presence::kRequired)
          .bytes(tags::kBgpOutputMessages, &m.messages, "messages")
          .uint(tags::kBgpOutputWritten, &m.written, "written", Presence::kRequired)
          .decode(payload));
  if (m.written > m.offset) {
    return Status::corruption("bgp output: " + std::to_string(m.written) +
                              " bytes written is beyond offset " + std::to_string(m.offset));
  }
  return m;
}

}  // namespace hitless::messages
