// ChassisMetrics: the router's state for Prometheus (prometheus-cpp, pull), served on
// `chassisd --metrics ADDR:PORT` at /metrics. Fed by the chassis manager from what it already
// polls (ISSU record, each RP's status), so a scrape never touches the RPs. Names follow the
// Prometheus conventions; docs/metrics.md lists them.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "chassis/issu_fsm.h"

namespace prometheus {
template <typename T>
class Family;
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace hitless::chassis {

class ChassisMetrics {
 public:
  // Listens on `bind` ("127.0.0.1:9464", port 0 for any); fails if it cannot.
  static Result<std::unique_ptr<ChassisMetrics>> start(const std::string& bind,
                                                       const std::string& version);
  ~ChassisMetrics();
  int port() const { return port_; }

  void setIssu(const IssuRecord& record, std::optional<int64_t> rollback_remaining_s);
  // One RP's polled status (its show-redundancy answer; null when it did not answer).
  void setRp(int slot, int rf_state, const nlohmann::json& status);
  // A switchover seen; `seconds` from the request to the new active (negative: not known).
  void switchover(bool planned, double seconds);
  // The active RP's BGP summary (its show-bgp-summary "bgp" object).
  void setBgp(const nlohmann::json& summary);
  // fwdd's show-fib answer.
  void setFib(const nlohmann::json& fib);

  ChassisMetrics();  // use start()

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  std::array<prometheus::Gauge*, 5> issu_state_{};
  prometheus::Gauge* rollback_remaining_ = nullptr;
  std::array<prometheus::Gauge*, 2> rf_state_{}, rib_routes_{}, unacked_{}, lag_{};
  prometheus::Gauge* fib_routes_ = nullptr;
  std::array<prometheus::Counter*, 2> sent_{}, acked_{};
  std::array<double, 2> last_sent_{}, last_acked_{};
  prometheus::Counter* planned_ = nullptr;
  prometheus::Counter* unplanned_ = nullptr;
  prometheus::Histogram* switchover_seconds_ = nullptr;
  prometheus::Family<prometheus::Gauge>* bgp_state_ = nullptr;
  prometheus::Family<prometheus::Gauge>* bgp_prefixes_ = nullptr;
  prometheus::Family<prometheus::Gauge>* bgp_nsr_ready_ = nullptr;
};

}  // namespace hitless::chassis
