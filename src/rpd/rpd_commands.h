// The control-socket commands of rpd (docs/control-protocol.md):
//   show-redundancy                      RF state, mode, counters, history, negotiation
//   rib-apply {changes: TEXT}            route changes (state/route_text.h); answers once applied
//                                        and, with a standby in sync, acknowledged by it
//   rib-load {path: FILE}                the same from a file
//   rib-dump                             every route, sorted, plus the digest
//   config-set {path, value} / config-delete {path}
//   force-switchover                     planned switchover to a STANDBY HOT peer
//   rib-generate {count, batch, rate?, window?}  synthetic load; answers with throughput and
//                                        acknowledgement-lag percentiles (benchmarks)
#pragma once

#include "control/control_server.h"
#include "rpd/route_processor.h"

namespace hitless::rpd {

// `test_hooks` adds test-diverge (drop one route on this replica only, unsynced).
void registerRpdCommands(control::ControlServer& server, RouteProcessor& rp, event::EventLoop& loop,
                         bool test_hooks = false);

}  // namespace hitless::rpd
