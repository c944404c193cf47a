#include "checkpoint/client_registry.h"

#include <cstdlib>

#include "base/log.h"
#include "messages/wire_numbers.h"

namespace hitless::checkpoint {

void ClientRegistry::add(CheckpointClient& client) {
  if (client.id() == messages::kClientRf || find(client.id()) != nullptr) {
    // Registration is code, not input: two clients with one id is a broken build.
    logEvent("ISSU", Severity::kCritical, "CLIENT_REGISTRY",
             "client " + std::to_string(client.id()) + " registered twice");
    std::abort();
  }
  clients_.push_back(&client);
}

CheckpointClient* ClientRegistry::find(uint16_t id) const {
  for (CheckpointClient* c : clients_) {
    if (c->id() == id) return c;
  }
  return nullptr;
}

std::vector<uint16_t> ClientRegistry::countedBulkClients() const {
  std::vector<uint16_t> out;
  for (const CheckpointClient* c : clients_) {
    if (c->hasCountedBulk()) out.push_back(c->id());
  }
  return out;
}

void ClientRegistry::onSessionStart() {
  discardStaged();
  bulk_.clear();
  current_bulk_ = 0;
  for (CheckpointClient* c : clients_) c->onSessionStart();
}

Status ClientRegistry::stage(uint16_t client, uint16_t type, wire::ByteView native,
                             issu::MessageVersion version) {
  CheckpointClient* target = nullptr;
  if (client == messages::kClientRf && type == messages::kMsgBulkSync) {
    ASSIGN_OR_RETURN(auto m, messages::decodeBulkSync(native));
    rf_staged_.emplace_back(m);
  } else if (client == messages::kClientRf && type == messages::kMsgStateDigest) {
    ASSIGN_OR_RETURN(auto m, messages::decodeStateDigest(native));
    rf_staged_.emplace_back(std::move(m));
  } else {
    target = find(client);
    if (target == nullptr) {
      return Status::notFound("client " + std::to_string(client) + " message type " +
                              std::to_string(type) + " is not a checkpoint item");
    }
    RETURN_IF_ERROR(target->stage(type, native, version));
  }
  if (!runs_.empty() && runs_.back().client == target) {
    ++runs_.back().count;
  } else {
    runs_.push_back({target, 1});
  }
  return Status::ok();
}

void ClientRegistry::discardStaged() {
  for (CheckpointClient* c : clients_) c->discardStaged();
  runs_.clear();
  rf_staged_.clear();
}

Result<ClientRegistry::DigestCheck> ClientRegistry::applyStaged(BulkEvents& events) {
  DigestCheck check;
  size_t next_rf = 0;
  for (const Run& run : runs_) {
    Status s;
    if (run.client == nullptr) {
      for (size_t i = 0; i < run.count && s.isOk(); ++i) {
        s = applyRf(rf_staged_[next_rf++], events, &check);
      }
    } else {
      s = run.client->applyStaged(run.count);
      bulk_[run.client->id()].received += run.count;
    }
    if (!s.isOk()) {
      discardStaged();
      return s;
    }
  }
  runs_.clear();
  rf_staged_.clear();
  return check;
}

Status ClientRegistry::applyRf(const RfItem& item, BulkEvents& events, DigestCheck* check) {
  if (const auto* b = std::get_if<messages::BulkSync>(&item)) {
    CheckpointClient* c = find(b->client);
    BulkCount& count = bulk_[b->client];
    if (b->phase == messages::BulkSync::kBegin) {
      if (c != nullptr) c->onBulkBegin(b->count);
      count = {b->count, 0};
      current_bulk_ = b->client;
      events.onBulkBegan(b->client);
      return Status::ok();
    }
    if (count.received < b->count) {
      return Status::corruption("bulk sync of client " + std::to_string(b->client) +
                                " ended after " + std::to_string(count.received) + " of " +
                                std::to_string(b->count) + " entries");
    }
    logEvent("HA_CONFIG_SYNC", Severity::kInfo, "BULK_SYNC_SUCCEED",
             "bulk sync of client " + std::to_string(b->client) + " succeeded (" +
                 std::to_string(b->count) + " entries)");
    events.onBulkEnded(b->client);
    return Status::ok();
  }
  const auto& d = std::get<messages::StateDigest>(item);
  check->present = true;
  const CheckpointClient* c = find(d.client);
  auto mine = c != nullptr ? c->digest() : std::nullopt;
  if (!mine) {
    // The active only sends digests of clients this pair exchanges, and every one of ours that
    // it knows has a digest: this one names a client we do not hold.
    logEvent("RF", Severity::kWarning, "DIGEST_UNKNOWN_CLIENT",
             "digest of client " + std::to_string(d.client) + " ignored: no such client here");
    return Status::ok();
  }
  if (mine->digest != d.digest || mine->entries != d.entries) {
    check->match = false;
    check->mismatch += " client " + std::to_string(d.client) + " (active " +
                       std::to_string(d.entries) + " entries, standby " +
                       std::to_string(mine->entries) + ")";
  }
  return Status::ok();
}

bool ClientRegistry::currentBulkHalfway() const {
  auto it = bulk_.find(current_bulk_);
  if (current_bulk_ == 0 || it == bulk_.end()) return false;
  return it->second.announced > 0 && it->second.received * 2 >= it->second.announced;
}

void ClientRegistry::addDigests(Transaction& txn) const {
  for (const CheckpointClient* c : clients_) {
    if (!txn.carries(c->id())) continue;
    auto d = c->digest();
    if (!d) continue;
    txn.add(messages::kClientRf, messages::kMsgStateDigest,
            [&](issu::MessageVersion, std::string* out) { messages::encodeStateDigest(*d, out); });
  }
}

}  // namespace hitless::checkpoint
