#include "chassis/chassis_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>

namespace hitless::chassis {

ChassisMetrics::ChassisMetrics() : registry_(std::make_shared<prometheus::Registry>()) {}
ChassisMetrics::~ChassisMetrics() = default;

Result<std::unique_ptr<ChassisMetrics>> ChassisMetrics::start(const std::string& bind,
                                                              const std::string& version) {
  auto m = std::make_unique<ChassisMetrics>();
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(bind);
  } catch (const std::exception& e) {
    return Status::ioError("metrics: cannot listen on " + bind + ": " + e.what());
  }
  auto ports = m->exposer_->GetListeningPorts();
  m->port_ = ports.empty() ? 0 : ports[0];
  auto& r = *m->registry_;
  prometheus::BuildGauge()
      .Name("hitless_build_info")
      .Help("The running chassis manager's version (always 1)")
      .Register(r)
      .Add({{"version", version}})
      .Set(1);
  auto& issu = prometheus::BuildGauge()
                   .Name("hitless_issu_state")
                   .Help("ISSU state of the chassis: 1 for the current state, 0 for the others")
                   .Register(r);
  for (int s = 0; s < 5; ++s) {
    m->issu_state_[s] =
        &issu.Add({{"state", std::string(issuStateName(static_cast<IssuState>(s)))}});
  }
  m->rollback_remaining_ = &prometheus::BuildGauge()
                                .Name("hitless_rollback_remaining_seconds")
                                .Help("Seconds before the automatic rollback (-1: timer off)")
                                .Register(r)
                                .Add({});
  auto& rf = prometheus::BuildGauge()
                 .Name("hitless_rf_state")
                 .Help("RF state number of the RP in each slot (13 ACTIVE, 8 STANDBY HOT, 0 down)")
                 .Register(r);
  auto& rib = prometheus::BuildGauge()
                  .Name("hitless_rib_routes")
                  .Help("Routes in the RIB of the RP in each slot")
                  .Register(r);
  auto& unacked = prometheus::BuildGauge()
                      .Name("hitless_checkpoint_unacked_transactions")
                      .Help(
                          "Checkpoint transactions the RP sent and its peer has not "
                          "acknowledged yet (the replication backlog)")
                      .Register(r);
  auto& lag = prometheus::BuildGauge()
                  .Name("hitless_checkpoint_lag_seconds")
                  .Help(
                      "Age of the oldest checkpoint transaction the RP sent and its peer has "
                      "not acknowledged (0 when none)")
                  .Register(r);
  m->fib_routes_ = &prometheus::BuildGauge()
                        .Name("hitless_fib_routes")
                        .Help("Routes fwdd holds in the kernel FIB (chassisd --fwdd-control)")
                        .Register(r)
                        .Add({});
  auto& messages = prometheus::BuildCounter()
                       .Name("hitless_checkpoint_transactions_total")
                       .Help(
                           "Checkpoint transactions sent and acknowledged by the RP in each "
                           "slot")
                       .Register(r);
  for (int s = 0; s < 2; ++s) {
    const std::string slot = std::to_string(s);
    m->rf_state_[s] = &rf.Add({{"slot", slot}});
    m->rib_routes_[s] = &rib.Add({{"slot", slot}});
    m->unacked_[s] = &unacked.Add({{"slot", slot}});
    m->lag_[s] = &lag.Add({{"slot", slot}});
    m->sent_[s] = &messages.Add({{"slot", slot}, {"kind", "sent"}});
    m->acked_[s] = &messages.Add({{"slot", slot}, {"kind", "acked"}});
  }
  auto& swacts = prometheus::BuildCounter()
                     .Name("hitless_switchovers_total")
                     .Help("Switchovers the chassis manager saw, by reason")
                     .Register(r);
  m->planned_ = &swacts.Add({{"reason", "planned"}});
  m->unplanned_ = &swacts.Add({{"reason", "unplanned"}});
  m->switchover_seconds_ =
      &prometheus::BuildHistogram()
           .Name("hitless_switchover_duration_seconds")
           .Help(
               "From the planned switchover request to the chassis "
               "manager seeing the new active")
           .Register(r)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5, 1, 2.5, 5, 10});
  m->bgp_state_ = &prometheus::BuildGauge()
                       .Name("hitless_bgp_peer_state")
                       .Help(
                           "BGP session state with each peer, as the active RP sees it (RFC 4271: "
                           "1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, "
                           "6 Established)")
                       .Register(r);
  m->bgp_prefixes_ = &prometheus::BuildGauge()
                          .Name("hitless_bgp_prefixes_received")
                          .Help("Prefixes received from each BGP peer (active RP)")
                          .Register(r);
  m->bgp_nsr_ready_ =
      &prometheus::BuildGauge()
           .Name("hitless_bgp_nsr_ready")
           .Help(
               "1 when a crash of the active RP would leave the session with this peer to the "
               "standby unseen (NSR: socket passed, standby in sync, input held in the kernel); "
               "show bgp neighbors says why not")
           .Register(r);
  m->exposer_->RegisterCollectable(m->registry_);
  return m;
}

void ChassisMetrics::setIssu(const IssuRecord& record, std::optional<int64_t> remaining) {
  for (int s = 0; s < 5; ++s) issu_state_[s]->Set(static_cast<int>(record.state) == s ? 1 : 0);
  rollback_remaining_->Set(remaining ? static_cast<double>(*remaining) : -1);
}

void ChassisMetrics::setRp(int slot, int rf_state, const nlohmann::json& status) {
  rf_state_[slot]->Set(rf_state);
  if (!status.is_object()) return;
  if (status.contains("rib")) rib_routes_[slot]->Set(status["rib"].value("routes", 0.0));
  if (!status.contains("checkpoint")) {
    unacked_[slot]->Set(0);
    lag_[slot]->Set(0);
    return;
  }
  const auto& cp = status["checkpoint"];
  unacked_[slot]->Set(cp.value("unacked", 0.0));
  lag_[slot]->Set(cp.value("lag_ms", 0.0) / 1000);
  // The RP's own counters restart with it and with each session: add what they grew by.
  auto grow = [](prometheus::Counter* c, double& last, double now) {
    c->Increment(now >= last ? now - last : now);
    last = now;
  };
  grow(sent_[slot], last_sent_[slot], cp.value("transactions_sent", 0.0));
  grow(acked_[slot], last_acked_[slot], cp.value("transactions_acked", 0.0));
}

void ChassisMetrics::setBgp(const nlohmann::json& summary) {
  static const char* kStates[] = {"Idle",     "Connect",     "Active",
                                  "OpenSent", "OpenConfirm", "Established"};
  if (!summary.is_object() || !summary.contains("neighbors")) return;
  for (const auto& n : summary["neighbors"]) {
    const std::string peer = n.value("neighbor", std::string());
    const std::string state = n.value("state", std::string());
    double number = 0;
    for (int i = 0; i < 6; ++i) {
      if (state == kStates[i]) number = i + 1;
    }
    bgp_state_->Add({{"peer", peer}}).Set(number);
    bgp_prefixes_->Add({{"peer", peer}}).Set(n.value("prefixes_received", 0.0));
    bgp_nsr_ready_->Add({{"peer", peer}}).Set(n.value("nsr_ready", false) ? 1 : 0);
  }
}

void ChassisMetrics::setFib(const nlohmann::json& fib) {
  if (fib.is_object() && fib.contains("routes")) fib_routes_->Set(fib.value("routes", 0.0));
}

void ChassisMetrics::switchover(bool planned, double seconds) {
  (planned ? planned_ : unplanned_)->Increment();
  if (planned && seconds >= 0) switchover_seconds_->Observe(seconds);
}

}  // namespace hitless::chassis
