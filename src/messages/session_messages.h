// Messages of the ISSU Proto client (2), RF (3) and CONFIG SYNC (4) clients.
//
// SessionHello opens every checkpoint session. Its version 1 is frozen forever: it is the one
// message both sides must read before they know anything else about each other (Envoy's
// HOT_RESTART_VERSION handshake, made extensible by TLV).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "issu/message_set.h"
#include "wire/tlv.h"

namespace hitless::messages {

struct SessionHello {
  uint8_t slot = 0;              // RP slot of the sender
  std::string software_version;  // "1.1.0"
  uint64_t instance_id = 0;      // random per process start: tells a restart from a reconnect
  issu::MessageSet message_set;
  bool operator==(const SessionHello&) const = default;
};
void encodeSessionHello(const SessionHello& m, std::string* out);
Result<SessionHello> decodeSessionHello(wire::ByteView payload);

struct RfStatus {
  uint8_t slot = 0;
  uint8_t rf_state = 0;  // the IOS RF state number (13 = ACTIVE, 8 = STANDBY HOT, ...)
  uint64_t epoch = 0;    // split-brain guard: the switchover generation the sender knows
  bool operator==(const RfStatus&) const = default;
};
void encodeRfStatus(const RfStatus& m, std::string* out);
Result<RfStatus> decodeRfStatus(wire::ByteView payload);

struct Heartbeat {
  uint64_t sequence = 0;
  uint64_t sent_ns = 0;  // sender's monotonic clock
  bool operator==(const Heartbeat&) const = default;
};
void encodeHeartbeat(const Heartbeat& m, std::string* out);
Result<Heartbeat> decodeHeartbeat(wire::ByteView payload);

// A digest of one client's whole state, valid after checkpoint `sequence`.
struct StateDigest {
  uint16_t client = 0;
  std::string digest;  // 32 bytes
  uint64_t entries = 0;
  uint64_t sequence = 0;
  bool operator==(const StateDigest&) const = default;
};
void encodeStateDigest(const StateDigest& m, std::string* out);
Result<StateDigest> decodeStateDigest(wire::ByteView payload);

// Brackets one client's bulk sync: the standby knows the active's whole state for `client` has
// arrived when it has the end marker and `count` entries since the begin marker.
struct BulkSync {
  enum Phase : uint8_t { kBegin = 1, kEnd = 2 };
  uint16_t client = 0;
  Phase phase = kBegin;
  uint64_t count = 0;
  bool operator==(const BulkSync&) const = default;
};
void encodeBulkSync(const BulkSync& m, std::string* out);
Result<BulkSync> decodeBulkSync(wire::ByteView payload);

// Cumulative: the standby has applied this many checkpoint transactions of the session.
struct CheckpointAck {
  uint64_t transactions = 0;
  bool operator==(const CheckpointAck&) const = default;
};
void encodeCheckpointAck(const CheckpointAck& m, std::string* out);
Result<CheckpointAck> decodeCheckpointAck(wire::ByteView payload);

// Planned switchover: the active has drained its checkpoints and hands over at `epoch`.
struct Switchover {
  uint64_t epoch = 0;
  uint8_t reason = 0;  // RFSwactReasonType: 4 userInitiated, 5 userForced
  bool operator==(const Switchover&) const = default;
};
void encodeSwitchover(const Switchover& m, std::string* out);
Result<Switchover> decodeSwitchover(wire::ByteView payload);

// Sent before a deliberate close so the peer knows this RP is alive (no takeover).
struct SessionReset {
  std::string reason;
  bool operator==(const SessionReset&) const = default;
};
void encodeSessionReset(const SessionReset& m, std::string* out);
Result<SessionReset> decodeSessionReset(wire::ByteView payload);

struct ConfigItem {
  std::string path;  // "router bgp 65001/neighbor 198.18.1.2/remote-as"
  std::string value;
  bool deleted = false;
  bool operator==(const ConfigItem&) const = default;
};
void encodeConfigItem(const ConfigItem& m, std::string* out);
Result<ConfigItem> decodeConfigItem(wire::ByteView payload);

}  // namespace hitless::messages
