// Codec costs that bound checkpointing: how fast one core encodes, decodes and transforms route
// updates (the bulk of every bulk sync), what a checkpoint transaction adds per route, and what
// negotiation costs at session start.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "checkpoint/transaction.h"
#include "issu/negotiation.h"
#include "messages/release.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "state/rib.h"
#include "wire/frame.h"

namespace {

using namespace hitless;

std::vector<net::Route> makeRoutes(size_t n) {
  std::vector<net::Route> routes(n);
  auto gw = *net::IpAddress::parse("198.18.1.2");
  for (size_t i = 0; i < n; ++i) {
    net::IpAddress a = net::IpAddress::v4(0x0a000000u + static_cast<uint32_t>(i << 8));
    routes[i].prefix = *net::IpPrefix::make(a, 24);
    routes[i].nexthops = {{gw, 3, 1}};
    routes[i].protocol = 186;
    routes[i].metric = static_cast<uint32_t>(i % 100);
    routes[i].distance = 20;
  }
  return routes;
}

// Encodes a batch of framed route updates into one buffer, as a checkpoint sender does.
void BM_EncodeRouteFrames(benchmark::State& state) {
  auto routes = makeRoutes(4096);
  auto version = static_cast<issu::MessageVersion>(state.range(0));
  std::string buf, payload;
  for (auto _ : state) {
    buf.clear();
    for (const auto& r : routes) {
      payload.clear();
      messages::encodeRouteUpdate(r, version, &payload);
      wire::appendFrame(&buf, messages::kClientRib, messages::kMsgRouteUpdate, version, payload);
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * routes.size());
  state.SetBytesProcessed(state.iterations() * buf.size());
}
BENCHMARK(BM_EncodeRouteFrames)->Arg(1)->Arg(2);

void BM_DecodeRouteFrames(benchmark::State& state) {
  auto routes = makeRoutes(4096);
  auto version = static_cast<issu::MessageVersion>(state.range(0));
  std::string buf, payload;
  for (const auto& r : routes) {
    payload.clear();
    messages::encodeRouteUpdate(r, version, &payload);
    wire::appendFrame(&buf, messages::kClientRib, messages::kMsgRouteUpdate, version, payload);
  }
  for (auto _ : state) {
    wire::ByteView rest = buf;
    size_t n = 0;
    while (!rest.empty()) {
      auto f = wire::parseFrame(rest);
      auto r = messages::decodeRouteUpdate((*f)->payload, version);
      benchmark::DoNotOptimize(r);
      rest.remove_prefix(wire::kFrameHeaderSize + (*f)->payload.size());
      ++n;
    }
    if (n != routes.size()) state.SkipWithError("decoded the wrong number of frames");
  }
  state.SetItemsProcessed(state.iterations() * routes.size());
  state.SetBytesProcessed(state.iterations() * buf.size());
}
BENCHMARK(BM_DecodeRouteFrames)->Arg(1)->Arg(2);

// A standby applying a bulk: every route upserted into an empty RIB — its prefix index and its
// digest (each route encoded at the digest's version and hashed) — prefetched a few ahead, as
// RibClient::applyStaged does.
void BM_RibApplyBulk(benchmark::State& state) {
  auto routes = makeRoutes(static_cast<size_t>(state.range(0)));
  state::RibDelta delta;
  for (const auto& r : routes) delta.upsert(r);
  for (auto _ : state) {
    state.PauseTiming();
    auto rib = std::make_unique<state::Rib>(1);
    state.ResumeTiming();
    rib->apply(delta);
    benchmark::DoNotOptimize(rib->digest());
    state.PauseTiming();
    if (rib->size() != routes.size()) state.SkipWithError("routes were lost");
    rib.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(routes.size()));
}
BENCHMARK(BM_RibApplyBulk)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// The newer image's extra cost per message in a mixed-version pair.
void BM_TransformRouteV2ToV1(benchmark::State& state) {
  auto routes = makeRoutes(1024);
  std::vector<std::string> payloads;
  for (const auto& r : routes) {
    payloads.emplace_back();
    messages::encodeRouteUpdate(r, 2, &payloads.back());
  }
  auto catalog = *messages::buildCatalog(messages::kRelease1_1);
  for (auto _ : state) {
    for (const auto& p : payloads) {
      auto out = catalog.convert(messages::kClientRib, messages::kMsgRouteUpdate, p, 2, 1);
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * payloads.size());
}
BENCHMARK(BM_TransformRouteV2ToV1);

// What the active pays per checkpointed route: a Transaction encoding at the negotiated version
// (arg 1: a 1.1 pair, native v2; arg 0: 1.1 with a 1.0 standby, each route transformed to v1).
void BM_TransactionAddRoutes(benchmark::State& state) {
  auto routes = makeRoutes(4096);
  auto mine = *messages::buildCatalog(messages::kRelease1_1);
  auto peer =
      *messages::buildCatalog(state.range(0) ? messages::kRelease1_1 : messages::kRelease1_0);
  auto plan = std::make_shared<const checkpoint::WirePlan>(
      mine, issu::negotiate(mine.messageSet(), peer.messageSet()));
  for (auto _ : state) {
    checkpoint::Transaction txn(plan);
    for (const auto& r : routes) {
      txn.add(messages::kClientRib, messages::kMsgRouteUpdate,
              [&](issu::MessageVersion v, std::string* out) {
                messages::encodeRouteUpdate(r, v, out);
              });
    }
    std::string frames = txn.takeFrames();
    benchmark::DoNotOptimize(frames.data());
  }
  state.SetItemsProcessed(state.iterations() * routes.size());
}
BENCHMARK(BM_TransactionAddRoutes)->Arg(1)->Arg(0);

void BM_NegotiateReleases(benchmark::State& state) {
  auto a = messages::buildCatalog(messages::kRelease1_0)->messageSet();
  auto b = messages::buildCatalog(messages::kRelease1_1)->messageSet();
  for (auto _ : state) benchmark::DoNotOptimize(issu::negotiate(a, b));
}
BENCHMARK(BM_NegotiateReleases);

}  // namespace

BENCHMARK_MAIN();
