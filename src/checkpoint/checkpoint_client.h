// CheckpointClient: one ISSU client of the redundant control plane — a piece of state the
// active keeps in step on the standby (configuration, RIB, BGP sessions). Each implements this
// interface and is registered in the RP's ClientRegistry (client_registry.h); the channel, the
// bulk sync and the RF actions reach clients only through it (docs/architecture.md).
//
// A client's life on each side of the pair:
//  - Active: it checkpoints its own changes through a StandbyLink (standby_link.h). When a new
//    standby arrives, a client with *counted bulk* sends its whole state between a begin and an
//    end marker (beginBulk/produceBulk, driven by BulkSender); a client without resends its
//    state as ordinary transactions (resyncStandby). It may contribute a digest of its state.
//  - Standby: it decodes each received message into a staging area (stage) and applies staged
//    messages only once their transaction is complete (applyStaged), so a transaction that
//    cannot be decoded whole changes nothing. A counted bulk's begin marker drops what it held.
//  - Role changes: after every RF decision it starts or stops what only an active runs
//    (onRole); on takeover it keeps its synced state (warm) or starts from configuration (cold);
//    in a planned switchover it quiesces first (quiesceForHandover).
//
// Everything runs on the RP's event loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "issu/message_set.h"
#include "issu/negotiation.h"
#include "messages/session_messages.h"
#include "wire/tlv.h"

namespace hitless::checkpoint {

class Transaction;

// What a client needs to know of the RP's role.
struct Role {
  bool active = false;
  uint64_t epoch = 0;      // the switchover generation the RP acts at
  std::string state_name;  // "ACTIVE", "STANDBY HOT": for log lines and reasons
};

// One step of a counted bulk: entries added to the transaction, and whether the bulk is done.
struct BulkStep {
  uint64_t entries = 0;
  bool done = true;
};

class CheckpointClient {
 public:
  virtual ~CheckpointClient() = default;

  // The client id on the wire and in the catalog (messages/wire_numbers.h).
  virtual uint16_t id() const = 0;

  // --- Standby: receiving.
  // Decodes one message of this client at `version` (the native version, or an older one the
  // catalog says this image reads directly) and holds it.
  // An error closes the session before anything of the transaction is applied.
  virtual Status stage(uint16_t type, wire::ByteView native, issu::MessageVersion version) = 0;
  // Applies the oldest `count` staged messages, in the order they were staged.
  virtual Status applyStaged(size_t count) = 0;
  virtual void discardStaged() = 0;
  // A new session with the active begins: drop what an earlier session sent, unless a counted
  // bulk (onBulkBegin) will replace it.
  virtual void onSessionStart() {}
  // Either side: the session negotiated its message versions.
  virtual void onNegotiated(const issu::NegotiationResult& /*result*/) {}
  // Either side: the session with the peer RP ended.
  virtual void onSessionEnd() {}

  // --- Bulk sync to a new standby.
  virtual bool hasCountedBulk() const { return false; }
  // Active, counted bulk: the bulk begins now; returns the number of entries announced.
  virtual uint64_t beginBulk() { return 0; }
  // Active, counted bulk: appends up to `max_entries` entries to `txn`.
  virtual BulkStep produceBulk(Transaction& /*txn*/, size_t /*max_entries*/) { return {}; }
  // Active, no counted bulk: a new standby is syncing; send the state again — resyncStandby()
  // once, then continueResync() until it returns true, each call queuing a bounded piece (a
  // full Adj-RIB-In is tens of MB). The bulk's last transaction, whose digests make the standby
  // STANDBY HOT, waits for the last piece: a hot standby holds all of it.
  virtual void resyncStandby() {}
  virtual bool continueResync() { return true; }
  // Standby, counted bulk: the active's bulk of `entries` begins; drop everything held.
  virtual void onBulkBegin(uint64_t /*entries*/) {}

  // --- Digest: a fingerprint of the whole state, compared by the standby (nullopt: none, or
  // not ready).
  virtual std::optional<messages::StateDigest> digest() const { return std::nullopt; }
  // Active, during a bulk: a digest being recomputed at a newly negotiated version advances one
  // bounded piece; true once digest() is ready. The bulk's digests wait for every client.
  virtual bool continueDigest() { return true; }

  // --- Roles.
  // After every batch of RF actions: start or stop what only the active runs.
  virtual void onRole(const Role& /*role*/) {}
  // This RP took over activity: warm with the state it holds, or cold from configuration.
  virtual void onTakeover(bool /*warm*/) {}
  // Planned switchover, on the active, before any client quiesces: false while work this RP
  // must finish as the active is still going on (BGP withdrawing a lost session's table, a
  // slice per turn, through the RIB that quiescing closes). The handover waits, within its
  // timeout.
  virtual bool readyForHandover() const { return true; }
  // Planned switchover, on the active: stop and checkpoint whatever the successor needs beyond
  // what was already sent. False while that is still in progress (asked again next turn).
  virtual bool quiesceForHandover() { return true; }
  // The switchover message goes out next: release what the successor needs (a listening port).
  virtual void onHandoverCommitted() {}
  // The switchover did not happen: this RP is still active; carry on.
  virtual void onHandoverAborted() {}
  // Active: transactions in flight to the standby were acknowledged, or the session ended —
  // input held back for flow control may go on.
  virtual void onStandbyProgress() {}
};

}  // namespace hitless::checkpoint
