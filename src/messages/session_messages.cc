#include "messages/session_messages.h"

#include "messages/fields.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {
namespace {

using wire::ByteView;
using wire::TlvWriter;

}  // namespace

void encodeSessionHello(const SessionHello& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kHelloSlot, m.slot);
  w.addBytes(tags::kHelloSoftware, m.software_version);
  addMessageSet(w, tags::kHelloClient, m.message_set);
  w.addUint(tags::kHelloInstance, m.instance_id);
}

Result<SessionHello> decodeSessionHello(ByteView payload) {
  SessionHello m;
  RETURN_IF_ERROR(
      FieldDecoder("session hello")
          .uint(tags::kHelloSlot, &m.slot, "slot", Presence::kRequired)
          .bytes(tags::kHelloSoftware, &m.software_version, "software_version", Presence::kRequired)
          .repeated(tags::kHelloClient,
                    [&](ByteView v) { return readClientSpec(v, &m.message_set); })
          .uint(tags::kHelloInstance, &m.instance_id, "instance_id")
          .decode(payload));
  Status valid = m.message_set.validate();
  if (!valid.isOk()) return valid.withContext("session hello");
  return m;
}

void encodeRfStatus(const RfStatus& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kRfSlot, m.slot);
  w.addUint(tags::kRfState, m.rf_state);
  w.addUint(tags::kRfEpoch, m.epoch);
}

Result<RfStatus> decodeRfStatus(ByteView payload) {
  RfStatus m;
  RETURN_IF_ERROR(FieldDecoder("rf status")
                      .uint(tags::kRfSlot, &m.slot, "slot")
                      .uint(tags::kRfState, &m.rf_state, "rf_state", Presence::kRequired)
                      .uint(tags::kRfEpoch, &m.epoch, "epoch", Presence::kRequired)
                      .decode(payload));
  return m;
}

void encodeHeartbeat(const Heartbeat& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kHbSequence, m.sequence);
  w.addUint(tags::kHbSentNs, m.sent_ns);
}

Result<Heartbeat> decodeHeartbeat(ByteView payload) {
  Heartbeat m;
  RETURN_IF_ERROR(FieldDecoder("heartbeat")
                      .uint(tags::kHbSequence, &m.sequence, "sequence", Presence::kRequired)
                      .uint(tags::kHbSentNs, &m.sent_ns, "sent_ns")
                      .decode(payload));
  return m;
}

void encodeStateDigest(const StateDigest& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kDigestClient, m.client);
  w.addBytes(tags::kDigestValue, m.digest);
  w.addUint(tags::kDigestEntries, m.entries);
  w.addUint(tags::kDigestSequence, m.sequence);
}

Result<StateDigest> decodeStateDigest(ByteView payload) {
  StateDigest m;
  RETURN_IF_ERROR(FieldDecoder("state digest")
                      .uint(tags::kDigestClient, &m.client, "client", Presence::kRequired)
                      .bytes(tags::kDigestValue, &m.digest, "digest", Presence::kRequired)
                      .uint(tags::kDigestEntries, &m.entries, "entries")
                      .uint(tags::kDigestSequence, &m.sequence, "sequence")
                      .decode(payload));
  if (m.digest.size() != 32) return Status::corruption("state digest: digest is not 32 bytes");
  return m;
}

void encodeBulkSync(const BulkSync& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kBulkClient, m.client);
  w.addUint(tags::kBulkPhase, m.phase);
  w.addUint(tags::kBulkCount, m.count);
}

Result<BulkSync> decodeBulkSync(ByteView payload) {
  BulkSync m;
  uint8_t phase = 0;
  RETURN_IF_ERROR(FieldDecoder("bulk sync")
                      .uint(tags::kBulkClient, &m.client, "client", Presence::kRequired)
                      .uint(tags::kBulkPhase, &phase, "phase", Presence::kRequired)
                      .uint(tags::kBulkCount, &m.count, "count")
                      .decode(payload));
  if (phase != BulkSync::kBegin && phase != BulkSync::kEnd) {
    return Status::corruption("bulk sync: unknown phase " + std::to_string(phase));
  }
  m.phase = static_cast<BulkSync::Phase>(phase);
  return m;
}

void encodeCheckpointAck(const CheckpointAck& m, std::string* out) {
  TlvWriter(out).addUint(tags::kAckTransactions, m.transactions);
}

Result<CheckpointAck> decodeCheckpointAck(ByteView payload) {
  CheckpointAck m;
  RETURN_IF_ERROR(
      FieldDecoder("checkpoint ack")
          .uint(tags::kAckTransactions, &m.transactions, "transactions", Presence::kRequired)
          .decode(payload));
  return m;
}

void encodeSwitchover(const Switchover& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kSwitchoverEpoch, m.epoch);
  w.addUint(tags::kSwitchoverReason, m.reason);
}

Result<Switchover> decodeSwitchover(ByteView payload) {
  Switchover m;
  RETURN_IF_ERROR(FieldDecoder("switchover")
                      .uint(tags::kSwitchoverEpoch, &m.epoch, "epoch", Presence::kRequired)
                      .uint(tags::kSwitchoverReason, &m.reason, "reason")
                      .decode(payload));
  return m;
}

void encodeSessionReset(const SessionReset& m, std::string* out) {
  TlvWriter(out).addBytes(tags::kResetReason, m.reason);
}

Result<SessionReset> decodeSessionReset(ByteView payload) {
  SessionReset m;
  RETURN_IF_ERROR(
      FieldDecoder("session reset").bytes(tags::kResetReason, &m.reason, "reason").decode(payload));
  return m;
}

void encodeConfigItem(const ConfigItem& m, std::string* out) {
  TlvWriter w(out);
  w.addBytes(tags::kConfigPath, m.path);
  w.addBytes(tags::kConfigValue, m.value);
  if (m.deleted) w.addUint(tags::kConfigDeleted, 1);
}

Result<ConfigItem> decodeConfigItem(ByteView payload) {
  ConfigItem m;
  RETURN_IF_ERROR(FieldDecoder("config item")
                      .bytes(tags::kConfigPath, &m.path, "path", Presence::kRequired)
                      .bytes(tags::kConfigValue, &m.value, "value")
                      .flag(tags::kConfigDeleted, &m.deleted, "deleted")
                      .decode(payload));
  if (m.path.empty()) return Status::corruption("config item: empty path");
  return m;
}

}  // namespace hitless::messages
