#include "rpd/sync_pair.h"

#include <sys/socket.h>

#include <algorithm>

#include "messages/wire_numbers.h"

namespace hitless::testing {

using checkpoint::ChannelHandler;
using checkpoint::CheckpointChannel;
using checkpoint::Transaction;

struct SyncPair::ActiveEnd : ChannelHandler, checkpoint::StandbyLink {
  explicit ActiveEnd(checkpoint::ClientRegistry& clients) : clients(clients) {}
  checkpoint::ClientRegistry& clients;
  std::unique_ptr<CheckpointChannel> channel;
  checkpoint::BulkSender* bulk = nullptr;  // resumed when the output drains
  bool negotiated = false;

  // StandbyLink
  bool inSync() const override { return channel && channel->isOpen() && negotiated; }
  Transaction transaction() const override {
    return inSync() ? channel->transaction() : Transaction();
  }
  void send(Transaction txn, Done done) override { channel->send(std::move(txn), std::move(done)); }
  size_t unackedTransactions() const override { return channel->unackedTransactions(); }

  // ChannelHandler: the active receives no checkpoint data.
  void onNegotiated(const issu::NegotiationResult& r, const messages::SessionHello&) override {
    negotiated = true;
    for (auto* c : clients.clients()) c->onNegotiated(r);
  }
  Status onMessage(uint16_t, uint16_t, wire::ByteView, issu::MessageVersion) override {
    return Status::failedPrecondition("the active received checkpoint data");
  }
  Status onTransaction() override { return Status::ok(); }
  void onRfStatus(const messages::RfStatus&) override {}
  void onSwitchover(const messages::Switchover&) override {}
  void onDrained() override {
    if (bulk != nullptr) bulk->resume();
  }
  void onAcknowledged() override {
    for (auto* c : clients.clients()) c->onStandbyProgress();
  }
  void onClosed(const std::string&, bool) override {}
};

struct SyncPair::StandbyEnd : ChannelHandler, checkpoint::ClientRegistry::BulkEvents {
  StandbyEnd(SyncPair& pair, checkpoint::ClientRegistry& clients) : pair(pair), clients(clients) {}
  SyncPair& pair;
  checkpoint::ClientRegistry& clients;
  std::unique_ptr<CheckpointChannel> channel;
  bool negotiated = false;

  void onNegotiated(const issu::NegotiationResult& r, const messages::SessionHello&) override {
    negotiated = true;
    for (auto* c : clients.clients()) c->onNegotiated(r);
  }
  Status onMessage(uint16_t client, uint16_t type, wire::ByteView native,
                   issu::MessageVersion version) override {
    return clients.stage(client, type, native, version);
  }
  Status onTransaction() override {
    ASSIGN_OR_RETURN(auto check, clients.applyStaged(*this));
    if (check.present) pair.last_digests = check;
    return Status::ok();
  }
  void onBulkBegan(uint16_t client) override {
    pair.bulk_events.push_back("begin " + std::to_string(client));
  }
  void onBulkEnded(uint16_t client) override {
    pair.bulk_events.push_back("end " + std::to_string(client));
  }
  void onRfStatus(const messages::RfStatus&) override {}
  void onSwitchover(const messages::Switchover&) override {}
  void onDrained() override {}
  void onClosed(const std::string& reason, bool) override {
    if (!pair.standby_error) pair.standby_error = reason;
    clients.discardStaged();
  }
};

SyncPair::SyncPair(messages::Release active, messages::Release standby)
    : active_catalog_(*messages::buildCatalog(active)),
      standby_catalog_(*messages::buildCatalog(standby)),
      active_(std::make_unique<ActiveEnd>(active_clients_)),
      standby_(std::make_unique<StandbyEnd>(*this, standby_clients_)) {}

SyncPair::~SyncPair() = default;

checkpoint::StandbyLink& SyncPair::link() { return *active_; }

bool SyncPair::connect() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return false;
  checkpoint::ChannelOptions o;
  o.slot = 0;
  active_->channel = std::make_unique<CheckpointChannel>(loop_, event::UniqueFd(fds[0]),
                                                         active_catalog_, o, *active_);
  o.slot = 1;
  standby_->channel = std::make_unique<CheckpointChannel>(loop_, event::UniqueFd(fds[1]),
                                                          standby_catalog_, o, *standby_);
  standby_clients_.onSessionStart();
  active_->channel->start();
  standby_->channel->start();
  return runUntil([&] { return active_->negotiated && standby_->negotiated; });
}

bool SyncPair::runUntil(const std::function<bool()>& done) {
  const int64_t end = loop_.clock().nowMs() + 5000;
  while (!done() && loop_.clock().nowMs() < end) loop_.runOnce(10);
  return done();
}

bool SyncPair::drained() {
  return runUntil([&] { return active_->channel->unackedTransactions() == 0; });
}

bool SyncPair::bulkSync(size_t batch, int64_t budget_ns) {
  checkpoint::BulkSenderOptions o;
  o.batch = batch;
  o.budget_ns = budget_ns;
  checkpoint::BulkSender bulk(
      loop_, active_clients_, *active_, [&] { return active_->channel->pendingBytes(); }, o);
  active_->bulk = &bulk;
  bulk.start();
  bool ok = runUntil([&] { return bulk.done(); }) && drained();
  active_->bulk = nullptr;
  return ok;
}

issu::MessageVersion nativeRouteVersion(messages::Release release) {
  auto catalog = messages::buildCatalog(release);
  return std::max<issu::MessageVersion>(
      1,
      catalog.isOk() ? catalog->nativeVersion(messages::kClientRib, messages::kMsgRouteUpdate) : 0);
}

}  // namespace hitless::testing
