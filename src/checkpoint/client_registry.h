// ClientRegistry: the checkpoint clients of one RP, in registration order, and the work that is
// the same for all of them.
//
// Standby: every received message is staged with the client it belongs to (the RF client's bulk
// markers and digests with the registry itself), in arrival order; when the transaction is
// complete applyStaged() applies it in that order. Bulk markers clear the client (onBulkBegin)
// and are checked against the entries received since (an end marker announcing more than
// arrived is corruption); digests are compared with each client's own.
// Active: the digests to send, for the clients the session carries.
//
// Adding a client is one add() call in the RP's composition; nothing here names a client.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "checkpoint/checkpoint_client.h"
#include "checkpoint/transaction.h"

namespace hitless::checkpoint {

class ClientRegistry {
 public:
  // Bulk markers as the standby applies them, for the RF state machine.
  class BulkEvents {
   public:
    virtual ~BulkEvents() = default;
    virtual void onBulkBegan(uint16_t client) = 0;
    virtual void onBulkEnded(uint16_t client) = 0;
  };
  // The digests a transaction carried, compared with this replica's.
  struct DigestCheck {
    bool present = false;  // the transaction carried digests
    bool match = true;     // every one matched
    std::string mismatch;  // " client 2028 (active 10 entries, standby 9)", ...
  };

  // REQUIRES: no client with the same id is registered, and none with the RF client's id (the
  // registry handles the RF client's bulk markers and digests itself); `client` outlives the
  // registry. A violation aborts: it is a broken build, not bad input.
  void add(CheckpointClient& client);
  CheckpointClient* find(uint16_t id) const;
  const std::vector<CheckpointClient*>& clients() const { return clients_; }
  // The clients a standby must have bulk-synced before it can be HOT.
  std::vector<uint16_t> countedBulkClients() const;

  // --- Standby.
  void onSessionStart();
  // Decodes one message of a transaction; nothing is applied yet.
  Status stage(uint16_t client, uint16_t type, wire::ByteView native, issu::MessageVersion version);
  // Applies the staged transaction in arrival order. On error the rest is discarded.
  Result<DigestCheck> applyStaged(BulkEvents& events);
  void discardStaged();
  // The bulk begun last in this session has received at least half the entries it announced.
  bool currentBulkHalfway() const;

  // --- Active.
  // Appends the digest of every client that has one and that `txn`'s session carries.
  void addDigests(Transaction& txn) const;

 private:
  using RfItem = std::variant<messages::BulkSync, messages::StateDigest>;
  struct Run {  // consecutive staged messages of one client (nullptr: the RF client's)
    CheckpointClient* client;
    size_t count;
  };
  struct BulkCount {
    uint64_t announced = 0, received = 0;
  };
  Status applyRf(const RfItem& item, BulkEvents& events, DigestCheck* check);

  std::vector<CheckpointClient*> clients_;
  std::vector<Run> runs_;
  std::vector<RfItem> rf_staged_;
  std::map<uint16_t, BulkCount> bulk_;  // per client, since its last begin marker
  uint16_t current_bulk_ = 0;           // the client whose bulk began last (0: none yet)
};

}  // namespace hitless::checkpoint
