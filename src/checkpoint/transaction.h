// Transaction: checkpoint messages being built for one atomic delivery to the standby.
//
// Each message is encoded as it is added, at the version the pair negotiated for it: the client
// writes its native (newest) version and the catalog transforms it down when the pair agreed on
// an older one (the newer side transforms, docs/message-format.md). A message of a client the
// pair could not negotiate is left out. A transaction obtained while no standby is in sync is
// inert: add() does nothing, and sending it completes at once, unacknowledged.
//
// The standby applies a transaction whole or not at all; its acknowledgement covers all of it.
// Not thread-safe; a transaction belongs to the session it was made for (sending it on another
// completes it unacknowledged).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "issu/message_catalog.h"
#include "issu/negotiation.h"

namespace hitless::checkpoint {

// How one session writes each message it exchanges: the wire version and this image's native
// version. Built once at negotiation; shared by every transaction of the session.
class WirePlan {
 public:
  struct Entry {
    uint16_t client = 0, type = 0;
    issu::MessageVersion wire = 0, native = 0;
  };
  WirePlan(const issu::MessageCatalog& catalog, const issu::NegotiationResult& negotiation);

  // The entry of a message the pair exchanges, or null when it does not.
  const Entry* find(uint16_t client, uint16_t type) const;
  bool carries(uint16_t client) const;  // some message of `client` crosses
  const issu::MessageCatalog& catalog() const { return catalog_; }

 private:
  const issu::MessageCatalog& catalog_;
  std::vector<Entry> entries_;  // sorted by (client, type)
};

class Transaction {
 public:
  Transaction() = default;  // inert
  explicit Transaction(std::shared_ptr<const WirePlan> plan) : plan_(std::move(plan)) {}
  Transaction(Transaction&&) = default;
  Transaction& operator=(Transaction&&) = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // False for an inert transaction (no standby in sync): there is nothing to build.
  bool live() const { return plan_ != nullptr; }
  // Whether messages of `client` reach the standby in this session.
  bool carries(uint16_t client) const { return plan_ && plan_->carries(client); }

  // Appends one message of (client, type). `encode(native_version, std::string* out)` appends
  // its payload at this image's native version; it is not called when the message is left out.
  template <typename Encode>
  void add(uint16_t client, uint16_t type, Encode&& encode) {
    const WirePlan::Entry* e = entryFor(client, type);
    if (e == nullptr) return;
    std::string& payload = scratch();
    payload.clear();
    encode(e->native, &payload);
    appendFrame(*e, payload);
  }

  size_t messages() const { return messages_; }
  bool empty() const { return messages_ == 0; }
  // Frames, the last flagged end-of-transaction. REQUIRES: !empty().
  std::string takeFrames();
  const std::shared_ptr<const WirePlan>& plan() const { return plan_; }
  // A transform that failed while adding (the session cannot carry this transaction).
  const Status& error() const { return error_; }
  uint64_t transforms() const { return transforms_; }

 private:
  const WirePlan::Entry* entryFor(uint16_t client, uint16_t type) {
    if (!plan_) return nullptr;
    // Consecutive messages are nearly always of one kind (a batch of routes).
    if (last_ == nullptr || last_->client != client || last_->type != type) {
      last_ = plan_->find(client, type);
    }
    return last_;
  }
  static std::string& scratch();
  void appendFrame(const WirePlan::Entry& e, const std::string& native_payload);

  std::shared_ptr<const WirePlan> plan_;
  const WirePlan::Entry* last_ = nullptr;
  std::string frames_;
  size_t last_frame_ = 0;
  size_t messages_ = 0;
  uint64_t transforms_ = 0;
  Status error_;
};

}  // namespace hitless::checkpoint
