#include "messages/fib_messages.h"

#include "messages/fields.h"
#include "messages/wire_numbers.h"

namespace hitless::messages {

using wire::ByteView;
using wire::TlvWriter;

void encodeFibHello(const FibHello& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kFibHelloSlot, m.slot);
  w.addUint(tags::kFibHelloEpoch, m.epoch);
  w.addBytes(tags::kFibHelloSoftware, m.software_version);
  if (m.routes) w.addUint(tags::kFibHelloRoutes, m.routes);
  addMessageSet(w, tags::kFibHelloMessageSet, m.message_set);
}

Result<FibHello> decodeFibHello(ByteView payload) {
  FibHello m;
  RETURN_IF_ERROR(FieldDecoder("fib hello")
                      .uint(tags::kFibHelloSlot, &m.slot, "slot", Presence::kRequired)
                      .uint(tags::kFibHelloEpoch, &m.epoch, "epoch", Presence::kRequired)
                      .bytes(tags::kFibHelloSoftware, &m.software_version, "software")
                      .uint(tags::kFibHelloRoutes, &m.routes, "routes")
                      .repeated(tags::kFibHelloMessageSet,
                                [&](ByteView v) { return readClientSpec(v, &m.message_set); })
                      .decode(payload));
  if (m.slot > 1) return Status::corruption("fib hello: slot " + std::to_string(m.slot));
  if (Status s = m.message_set.validate(); !s.isOk()) return s.withContext("fib hello");
  return m;
}

void encodeFibHelloReply(const FibHelloReply& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kFibReplyAccepted, m.accepted ? 1 : 0);
  if (!m.reason.empty()) w.addBytes(tags::kFibReplyReason, m.reason);
  w.addUint(tags::kFibReplyEpoch, m.epoch);
  w.addUint(tags::kFibReplyRoutes, m.routes);
  w.addUint(tags::kFibReplyStale, m.stale);
  if (!m.software_version.empty()) w.addBytes(tags::kFibReplySoftware, m.software_version);
  addMessageSet(w, tags::kFibReplyMessageSet, m.message_set);
}

Result<FibHelloReply> decodeFibHelloReply(ByteView payload) {
  FibHelloReply m;
  RETURN_IF_ERROR(FieldDecoder("fib hello reply")
                      .flag(tags::kFibReplyAccepted, &m.accepted, "accepted")
                      .bytes(tags::kFibReplyReason, &m.reason, "reason")
                      .uint(tags::kFibReplyEpoch, &m.epoch, "epoch", Presence::kRequired)
                      .uint(tags::kFibReplyRoutes, &m.routes, "routes")
                      .uint(tags::kFibReplyStale, &m.stale, "stale")
                      .bytes(tags::kFibReplySoftware, &m.software_version, "software")
                      .repeated(tags::kFibReplyMessageSet,
                                [&](ByteView v) { return readClientSpec(v, &m.message_set); })
                      .decode(payload));
  if (Status s = m.message_set.validate(); !s.isOk()) return s.withContext("fib hello reply");
  return m;
}

void encodeFibCommit(const FibCommit& m, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kFibCommitSequence, m.sequence);
  if (m.replay_end) w.addUint(tags::kFibCommitReplayEnd, 1);
}

Result<FibCommit> decodeFibCommit(ByteView payload) {
  FibCommit m;
  RETURN_IF_ERROR(FieldDecoder("fib commit")
                      .uint(tags::kFibCommitSequence, &m.sequence, "sequence", Presence::kRequired)
                      .flag(tags::kFibCommitReplayEnd, &m.replay_end, "replay end")
                      .decode(payload));
  return m;
}

void encodeFibCommitReply(const FibCommitReply& m, issu::MessageVersion version, std::string* out) {
  TlvWriter w(out);
  w.addUint(tags::kFibResultSequence, m.sequence);
  if (!m.error.empty()) w.addBytes(tags::kFibResultError, m.error);
  for (const auto& e : m.route_errors) {
    size_t token = w.beginNested(tags::kFibResultRouteError);
    addPrefix(w, tags::kFibRouteErrorPrefix, e.prefix);
    w.addBytes(tags::kFibRouteErrorText, e.error);
    w.endNested(token);
  }
  w.addUint(tags::kFibResultWritten, m.written);
  w.addUint(tags::kFibResultUnchanged, m.unchanged);
  w.addUint(tags::kFibResultSwept, m.swept);
  if (version >= 2) w.addUint(tags::kFibResultApplyUs, m.apply_us);
}

Result<FibCommitReply> decodeFibCommitReply(ByteView payload) {
  FibCommitReply m;
  RETURN_IF_ERROR(FieldDecoder("fib commit reply")
                      .uint(tags::kFibResultSequence, &m.sequence, "sequence", Presence::kRequired)
                      .bytes(tags::kFibResultError, &m.error, "error")
                      .repeated(tags::kFibResultRouteError,
                                [&](ByteView v) -> Status {
                                  FibRouteError e;
                                  RETURN_IF_ERROR(
                                      FieldDecoder("fib route error")
                                          .prefix(tags::kFibRouteErrorPrefix, &e.prefix, "prefix",
                                                  Presence::kRequired)
                                          .bytes(tags::kFibRouteErrorText, &e.error, "error")
                                          .decode(v));
                                  m.route_errors.push_back(std::move(e));
                                  return Status::ok();
                                })
                      .uint(tags::kFibResultWritten, &m.written, "written")
                      .uint(tags::kFibResultUnchanged, &m.unchanged, "unchanged")
                      .uint(tags::kFibResultSwept, &m.swept, "swept")
                      .uint(tags::kFibResultApplyUs, &m.apply_us, "apply_us")
                      .decode(payload));
  return m;
}

Result<std::string> upgradeFibCommitReplyV1(ByteView v1_payload) {
  // v2 only adds apply_us, which a v1 sender did not measure: absent, it reads as 0.
  RETURN_IF_ERROR(decodeFibCommitReply(v1_payload).status());
  return std::string(v1_payload);
}

Result<std::string> downgradeFibCommitReplyV2(ByteView v2_payload) {
  std::string out;
  TlvWriter w(&out);
  RETURN_IF_ERROR(forEachField(v2_payload, "fib commit reply", [&](const wire::TlvField& f) {
    if (f.tag != tags::kFibResultApplyUs) w.addBytes(f.tag, f.value);
    return Status::ok();
  }));
  return out;
}

}  // namespace hitless::messages
