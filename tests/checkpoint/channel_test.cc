// The checkpoint channel between two in-process endpoints over a socketpair, on one EventLoop:
// handshake and negotiation, transactions and acks across versions, and every kind of bad input.
#include "checkpoint/channel.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "messages/release.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "wire/frame.h"

namespace hitless::checkpoint {
namespace {

// A message as the handler received it (at the version it was handed over at), decoded when
// it is a route.
struct Received {
  uint16_t client = 0, type = 0;
  std::optional<net::Route> route;
  std::optional<messages::RouteWithdraw> withdraw;
  issu::MessageVersion version = 0;
};

// Stands in for the RP and its clients: decodes RIB messages as the RIB client would (so an
// undecodable one is refused before the transaction completes) and records whole transactions.
struct Recorder : ChannelHandler {
  std::optional<issu::NegotiationResult> negotiated;
  std::vector<Received> staged;
  std::vector<std::vector<Received>> transactions;
  std::vector<messages::RfStatus> statuses;
  std::optional<std::string> closed;
  bool closed_peer_alive = false;
  Status reject;  // returned from onTransaction when set

  void onNegotiated(const issu::NegotiationResult& r, const messages::SessionHello&) override {
    negotiated = r;
  }
  Status onMessage(uint16_t client, uint16_t type, wire::ByteView native,
                   issu::MessageVersion version) override {
    Received m{client, type, {}, {}, version};
    if (client == messages::kClientRib && type == messages::kMsgRouteUpdate) {
      ASSIGN_OR_RETURN(m.route, messages::decodeRouteUpdate(native, version));
    } else if (client == messages::kClientRib && type == messages::kMsgRouteWithdraw) {
      ASSIGN_OR_RETURN(m.withdraw, messages::decodeRouteWithdraw(native));
    }
    staged.push_back(std::move(m));
    return Status::ok();
  }
  Status onTransaction() override {
    if (!reject.isOk()) return reject;
    transactions.push_back(std::move(staged));
    staged.clear();
    return Status::ok();
  }
  void onRfStatus(const messages::RfStatus& s) override { statuses.push_back(s); }
  void onSwitchover(const messages::Switchover&) override {}
  void onDrained() override {}
  void onClosed(const std::string& reason, bool peer_alive) override {
    closed = reason;
    closed_peer_alive = peer_alive;
  }
};

net::Route route(const char* prefix, uint32_t weight = 1) {
  net::Route r;
  r.prefix = *net::IpPrefix::parse(prefix);
  r.nexthops = {{*net::IpAddress::parse("198.18.1.2"), 0, weight}};
  r.protocol = 186;
  return r;
}

void addRoute(Transaction& txn, const net::Route& r) {
  txn.add(
      messages::kClientRib, messages::kMsgRouteUpdate,
      [&](issu::MessageVersion v, std::string* out) { messages::encodeRouteUpdate(r, v, out); });
}

void addWithdraw(Transaction& txn, const net::IpPrefix& p) {
  txn.add(messages::kClientRib, messages::kMsgRouteWithdraw,
          [&](issu::MessageVersion, std::string* out) { messages::encodeRouteWithdraw({p}, out); });
}

class ChannelTest : public ::testing::Test {
 protected:
  void connect(messages::Release a, messages::Release b, ChannelOptions opts = {}) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    cat_a_ = *messages::buildCatalog(a);
    cat_b_ = *messages::buildCatalog(b);
    opts.slot = 0;
    a_ = std::make_unique<CheckpointChannel>(loop_, event::UniqueFd(fds[0]), cat_a_, opts, rec_a_);
    opts.slot = 1;
    b_ = std::make_unique<CheckpointChannel>(loop_, event::UniqueFd(fds[1]), cat_b_, opts, rec_b_);
    a_->start();
    b_->start();
    runUntil([&] { return rec_a_.negotiated && rec_b_.negotiated; });
  }

  // Serves the loop until `done` or a bounded time passes (no fixed sleeps).
  template <typename F>
  bool runUntil(F done, int64_t max_ms = 5000) {
    int64_t end = loop_.clock().nowMs() + max_ms;
    while (!done() && loop_.clock().nowMs() < end) loop_.runOnce(10);
    return done();
  }

  event::EventLoop loop_;
  issu::MessageCatalog cat_a_, cat_b_;
  Recorder rec_a_, rec_b_;
  std::unique_ptr<CheckpointChannel> a_, b_;
};

TEST_F(ChannelTest, NegotiatesAndAcknowledgesTransactionsAcrossVersions) {
  connect(messages::kRelease1_1, messages::kRelease1_0);
  EXPECT_EQ(rec_a_.negotiated->versionFor(messages::kClientRib, messages::kMsgRouteUpdate), 1);
  bool acked = false;
  Transaction txn = a_->transaction();
  addRoute(txn, route("198.18.10.0/24", 3));
  addWithdraw(txn, route("198.18.11.0/24").prefix);
  a_->send(std::move(txn), [&](bool ok) { acked = ok; });
  ASSERT_TRUE(runUntil([&] { return acked; }));
  ASSERT_EQ(rec_b_.transactions.size(), 1u);
  ASSERT_EQ(rec_b_.transactions[0].size(), 2u);
  // The 1.0 peer got a v1 route: no weight (the 1.1 side transformed it down).
  const auto& r = *rec_b_.transactions[0][0].route;
  EXPECT_EQ(r.nexthops[0].weight, 1u);
  EXPECT_EQ(rec_b_.transactions[0][1].withdraw->prefix, route("198.18.11.0/24").prefix);
  EXPECT_EQ(a_->stats().transforms, 1u);
  EXPECT_EQ(b_->stats().transforms, 0u) << "the older side never transforms";
}

TEST_F(ChannelTest, NewerStandbyReadsTheOlderRouteVersionDirectly) {
  connect(messages::kRelease1_0, messages::kRelease1_1);
  bool acked = false;
  Transaction txn = a_->transaction();
  addRoute(txn, route("198.18.10.0/24", 2));
  a_->send(std::move(txn), [&](bool ok) { acked = ok; });
  ASSERT_TRUE(runUntil([&] { return acked; }));
  // The 1.1 catalog reads v1 routes itself (readsDirectly): handed over at v1, untransformed,
  // and read as a v1 route (equal-cost next hops).
  ASSERT_EQ(rec_b_.transactions.size(), 1u);
  const Received& got = rec_b_.transactions[0][0];
  EXPECT_EQ(got.version, 1);
  ASSERT_TRUE(got.route.has_value());
  EXPECT_EQ(got.route->prefix, route("198.18.10.0/24").prefix);
  EXPECT_EQ(got.route->nexthops[0].weight, 1u);
  EXPECT_EQ(b_->stats().transforms, 1u);
  EXPECT_EQ(a_->stats().transforms, 0u);
}

class RawPeerTest : public ChannelTest {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    cat_a_ = *messages::buildCatalog(messages::kRelease1_1);
    ChannelOptions o;
    o.max_frame_payload = 4096;
    o.heartbeat_interval_ms = 20;
    o.heartbeat_threshold = 3;
    victim_ =
        std::make_unique<CheckpointChannel>(loop_, event::UniqueFd(fds[0]), cat_a_, o, rec_a_);
    victim_->start();
    raw_.reset(fds[1]);
  }
  void write(const std::string& bytes) {
    ASSERT_EQ(::write(raw_.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  std::string hello() {
    std::string out, payload;
    messages::encodeSessionHello({1, "1.1.0", 1, cat_a_.messageSet()}, &payload);
    wire::appendFrame(&out, messages::kClientIssuProto, messages::kMsgSessionHello, 1, payload);
    return out;
  }
  std::string closedReason() {
    EXPECT_TRUE(runUntil([&] { return rec_a_.closed.has_value(); }));
    return rec_a_.closed.value_or("");
  }
  std::unique_ptr<CheckpointChannel> victim_;
  event::UniqueFd raw_;
};

TEST_F(RawPeerTest, UnknownClientClosesTheSessionWithAReason) {
  write(hello());
  std::string junk;
  wire::appendFrame(&junk, 9999, 1, 1, "x");
  write(junk);
  EXPECT_NE(closedReason().find("unknown client 9999"), std::string::npos);
}

TEST_F(RawPeerTest, GarbageBytesCloseTheSession) {
  write(hello());
  write(std::string("\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff", 12));
  EXPECT_FALSE(closedReason().empty());
}

TEST_F(RawPeerTest, DataBeforeHelloIsRefused) {
  std::string frame, payload;
  messages::encodeRouteWithdraw({route("198.18.1.0/24").prefix}, &payload);
  wire::appendFrame(&frame, messages::kClientRib, messages::kMsgRouteWithdraw, 1, payload);
  write(frame);
  EXPECT_NE(closedReason().find("expected a session hello first"), std::string::npos);
}

TEST_F(RawPeerTest, OversizedFrameIsRefusedBeforeItIsBuffered) {
  write(hello());
  std::string header;
  wire::appendFrame(&header, messages::kClientRib, messages::kMsgRouteUpdate, 1, "");
  header[8] = 0;  // payload_length = 1 MiB, over the 4 KiB limit of this channel
  header[9] = 0;
  header[10] = 0x10;
  write(header);
  EXPECT_NE(closedReason().find("exceeds the limit"), std::string::npos);
}

TEST_F(RawPeerTest, UndecodableMessageIsAProtocolError) {
  write(hello());
  std::string frame;
  wire::appendFrame(&frame, messages::kClientRib, messages::kMsgRouteUpdate, 2, "\x01\x02\x04",
                    wire::kFlagEndOfTransaction);
  write(frame);
  EXPECT_NE(closedReason().find("route update"), std::string::npos);
  EXPECT_TRUE(rec_a_.transactions.empty());
}

TEST_F(RawPeerTest, VersionTheImageDoesNotKnowIsRefused) {
  write(hello());
  std::string frame, payload;
  messages::encodeRouteWithdraw({route("198.18.1.0/24").prefix}, &payload);
  wire::appendFrame(&frame, messages::kClientRib, messages::kMsgRouteWithdraw, 9, payload,
                    wire::kFlagEndOfTransaction);
  write(frame);
  EXPECT_NE(closedReason().find("version 9"), std::string::npos);
}

TEST_F(RawPeerTest, DisconnectMidTransactionAppliesNothing) {
  write(hello());
  std::string frames, payload;
  messages::encodeRouteWithdraw({route("198.18.1.0/24").prefix}, &payload);
  wire::appendFrame(&frames, messages::kClientRib, messages::kMsgRouteWithdraw, 1, payload);
  wire::appendFrame(&frames, messages::kClientRib, messages::kMsgRouteWithdraw, 1, payload);
  write(frames);  // two frames, no end-of-transaction flag
  raw_.reset();
  std::string reason = closedReason();
  EXPECT_NE(reason.find("peer closed"), std::string::npos) << reason;
  EXPECT_FALSE(rec_a_.closed_peer_alive) << "an EOF is a dead peer, not a reset";
  EXPECT_TRUE(rec_a_.transactions.empty()) << "a half transaction was applied";
}

TEST_F(RawPeerTest, SilentPeerIsDeclaredHungByHeartbeats) {
  write(hello());
  EXPECT_NE(closedReason().find("missed 3 heartbeats"), std::string::npos);
}

TEST_F(RawPeerTest, SessionResetMeansThePeerIsAlive) {
  write(hello());
  std::string frame, payload;
  messages::encodeSessionReset({"resync"}, &payload);
  wire::appendFrame(&frame, messages::kClientRf, messages::kMsgSessionReset, 1, payload);
  write(frame);
  raw_.reset();
  closedReason();
  EXPECT_TRUE(rec_a_.closed_peer_alive);
}

TEST_F(ChannelTest, PendingTransactionsFailWhenTheSessionEnds) {
  connect(messages::kRelease1_1, messages::kRelease1_1);
  rec_b_.reject = Status::corruption("refused by test");
  std::optional<bool> result;
  Transaction txn = a_->transaction();
  addRoute(txn, route("198.18.10.0/24"));
  a_->send(std::move(txn), [&](bool ok) { result = ok; });
  ASSERT_TRUE(runUntil([&] { return result.has_value(); }));
  EXPECT_FALSE(*result);
  EXPECT_TRUE(rec_b_.closed.has_value());
}

// A transaction belongs to its session: an inert one, or one made before the session was
// negotiated, completes unacknowledged at once; one holding only messages the pair does not
// exchange completes acknowledged, sending nothing.
TEST_F(ChannelTest, ATransactionOnlyGoesOnTheSessionItWasMadeFor) {
  connect(messages::kRelease1_1, messages::kRelease1_1);
  std::optional<bool> inert, foreign, nothing;
  a_->send(Transaction(), [&](bool ok) { inert = ok; });
  Transaction from_b = b_->transaction();
  addRoute(from_b, route("198.18.10.0/24"));
  a_->send(std::move(from_b), [&](bool ok) { foreign = ok; });
  Transaction none = a_->transaction();
  none.add(4242, 1, [](issu::MessageVersion, std::string* out) { out->append("x"); });
  EXPECT_TRUE(none.empty()) << "a client the pair does not know is left out";
  a_->send(std::move(none), [&](bool ok) { nothing = ok; });
  EXPECT_EQ(inert, false);
  EXPECT_EQ(foreign, false);
  EXPECT_EQ(nothing, true);
  EXPECT_EQ(a_->stats().transactions_sent, 0u);
}

}  // namespace
}  // namespace hitless::checkpoint
