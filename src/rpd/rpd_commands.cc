#include "rpd/rpd_commands.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/log.h"
#include "state/route_text.h"

namespace hitless::rpd {
namespace {

using control::ControlServer;
using control::Reply;
using nlohmann::json;

json changeReply(const ChangeResult& r) {
  if (!r.status.isOk()) return ControlServer::error(r.status.message());
  return {{"ok", true}, {"changes", r.changes}, {"synced", r.synced}};
}

void applyText(RouteProcessor& rp, std::string_view text, const Reply& reply) {
  auto delta = state::parseRouteChanges(text);
  if (!delta.isOk()) {
    reply(ControlServer::error(delta.status().message()));
    return;
  }
  rp.applyRibChanges(std::move(*delta), [reply](ChangeResult r) { reply(changeReply(r)); });
}

// Drives `count` synthetic route changes through the active in transactions of `batch`, with at
// most `window` transactions unacknowledged, optionally paced to `rate` changes per second.
// Change k touches prefix number k % `span` (default: count, i.e. every change adds a route);
// a smaller span makes later passes replace existing routes (a new metric per pass), the
// steady-state churn of a full table.
class LoadGenerator : public std::enable_shared_from_this<LoadGenerator> {
 public:
  LoadGenerator(RouteProcessor& rp, event::EventLoop& loop, const json& req, Reply reply)
      : rp_(rp), loop_(loop), reply_(std::move(reply)) {
    count_ = req.value("count", uint64_t{100000});
    batch_ = std::max<uint64_t>(1, req.value("batch", uint64_t{1000}));
    window_ = std::max<uint64_t>(1, req.value("window", uint64_t{64}));
    rate_ = req.value("rate", uint64_t{0});
    span_ = std::max<uint64_t>(1, req.value("span", count_));
    base_ = req.value("base", uint32_t{0x64400000});  // 100.64.0.0/10: 4M host routes
    gateway_ = *net::IpAddress::parse(req.value("via", std::string("198.18.1.2")));
  }

  void start() {
    start_ns_ = loop_.clock().nowNs();
    pump();
  }

 private:
  void pump() {
    auto self = shared_from_this();
    while (sent_ < count_ && in_flight_ < window_) {
      if (rate_ > 0) {
        // Pace: the n-th change is due at start + n / rate.
        int64_t due = start_ns_ + static_cast<int64_t>(sent_ * 1000000000.0 / rate_);
        int64_t now = loop_.clock().nowNs();
        if (due > now) {
          if (!timer_pending_) {
            timer_pending_ = true;
            // Sleep until the next due batch (never a 0 ms re-arm: that spins a core that
            // the standby needs on a small machine).
            loop_.addTimer(std::max<int64_t>(1, (due - now + 999999) / 1000000), [self] {
              self->timer_pending_ = false;
              self->pump();
            });
          }
          return;
        }
      }
      state::RibDelta delta;
      uint64_t n = std::min(batch_, count_ - sent_);
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t k = sent_ + i;
        net::Route r;
        r.prefix =
            *net::IpPrefix::make(net::IpAddress::v4(base_ + static_cast<uint32_t>(k % span_)), 32);
        r.nexthops = {{gateway_, 0, 1}};
        r.protocol = 186;
        r.metric = static_cast<uint32_t>(k / span_);
        delta.upsert(std::move(r));
      }
      sent_ += n;
      ++in_flight_;
      int64_t t0 = loop_.clock().nowNs();
      rp_.applyRibChanges(std::move(delta), [self, t0, n](ChangeResult r) {
        --self->in_flight_;
        self->done_ += n;
        self->synced_ = self->synced_ && r.synced;
        self->lags_us_.push_back((self->loop_.clock().nowNs() - t0) / 1000);
        if (!r.status.isOk()) self->error_ = r.status.message();
        if (self->done_ == self->count_) {
          self->finish();
        } else {
          self->pump();
        }
      });
    }
  }

  void finish() {
    double secs = (loop_.clock().nowNs() - start_ns_) / 1e9;
    std::sort(lags_us_.begin(), lags_us_.end());
    auto pct = [&](double p) {  // nearest rank: p99 of 100 samples is the 99th
      if (lags_us_.empty()) return int64_t{0};
      size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(lags_us_.size())));
      return lags_us_[std::clamp<size_t>(rank, 1, lags_us_.size()) - 1];
    };
    if (!error_.empty()) {
      reply_(ControlServer::error(error_));
      return;
    }
    reply_({{"ok", true},
            {"changes", count_},
            {"batch", batch_},
            {"seconds", secs},
            {"changes_per_second", secs > 0 ? count_ / secs : 0},
            {"synced", synced_},
            {"ack_lag_us", {{"p50", pct(0.50)}, {"p99", pct(0.99)}, {"max", pct(1.0)}}}});
  }

  RouteProcessor& rp_;
  event::EventLoop& loop_;
  Reply reply_;
  uint64_t count_, batch_, window_, rate_, span_;
  uint32_t base_;
  net::IpAddress gateway_;
  uint64_t sent_ = 0, done_ = 0, in_flight_ = 0;
  bool synced_ = true, timer_pending_ = false;
  int64_t start_ns_ = 0;
  std::vector<int64_t> lags_us_;
  std::string error_;
};

}  // namespace

void registerRpdCommands(ControlServer& server, RouteProcessor& rp, event::EventLoop& loop,
                         bool test_hooks) {
  if (test_hooks) {
    server.addCommand("test-diverge", [&rp](const json&, Reply reply) {
      reply({{"ok", true}, {"removed", rp.divergeForTest()}});
    });
  }
  server.addCommand("show-redundancy", [&rp](const json&, Reply reply) { reply(rp.status()); });
  server.addCommand("rib-apply", [&rp](const json& req, Reply reply) {
    applyText(rp, req.at("changes").get<std::string>(), reply);
  });
  server.addCommand("rib-load", [&rp](const json& req, Reply reply) {
    auto text = readFile(req.at("path").get<std::string>());
    if (!text.isOk()) {
      reply(ControlServer::error(text.status().message()));
      return;
    }
    applyText(rp, *text, reply);
  });
  server.addCommand("rib-dump", [&rp](const json&, Reply reply) {
    json routes = json::array();
    for (const auto& r : rp.rib().sorted()) routes.push_back(state::formatRoute(r));
    reply({{"ok", true},
           {"count", rp.rib().size()},
           {"digest", toHex(rp.rib().digest().bytes())},
           {"routes", std::move(routes)}});
  });
  auto bgpReply = [](const Result<json>& r, Reply& reply) {
    if (!r.isOk()) {
      reply(ControlServer::error(r.status().message()));
      return;
    }
    reply({{"ok", true}, {"bgp", *r}});
  };
  server.addCommand("show-bgp-summary", [&rp, bgpReply](const json&, Reply reply) {
    bgpReply(rp.bgpSummary(), reply);
  });
  server.addCommand("show-bgp-neighbors", [&rp, bgpReply](const json&, Reply reply) {
    bgpReply(rp.bgpNeighbors(), reply);
  });
  server.addCommand("show-ip-route", [&rp](const json& req, Reply reply) {
    // Optional filters: "protocol" (rtnetlink number), "family" (4|6), "limit".
    int protocol = req.value("protocol", -1);
    int family = req.value("family", 0);
    size_t limit = req.value("limit", size_t{0});
    json routes = json::array();
    size_t matched = 0;
    for (const auto& r : rp.rib().sorted()) {
      if (protocol >= 0 && r.protocol != protocol) continue;
      if (family != 0 && static_cast<int>(r.prefix.address.family) != family) continue;
      ++matched;
      if (limit != 0 && routes.size() >= limit) continue;
      json hops = json::array();
      for (const auto& nh : r.nexthops) {
        hops.push_back(
            {{"via", nh.gateway.family == net::Family::kNone ? "" : nh.gateway.toString()},
             {"ifindex", nh.ifindex},
             {"weight", nh.weight}});
      }
      routes.push_back({{"prefix", r.prefix.toString()},
                        {"protocol", r.protocol},
                        {"distance", r.distance},
                        {"metric", r.metric},
                        {"nexthops", std::move(hops)}});
    }
    reply({{"ok", true},
           {"total", rp.rib().size()},
           {"matched", matched},
           {"routes", std::move(routes)}});
  });
  server.addCommand("config-set", [&rp](const json& req, Reply reply) {
    rp.setConfig(req.at("path").get<std::string>(), req.at("value").get<std::string>(), false,
                 [reply](ChangeResult r) { reply(changeReply(r)); });
  });
  server.addCommand("config-delete", [&rp](const json& req, Reply reply) {
    rp.setConfig(req.at("path").get<std::string>(), "", true,
                 [reply](ChangeResult r) { reply(changeReply(r)); });
  });
  server.addCommand("force-switchover", [&rp](const json&, Reply reply) {
    rp.forceSwitchover([reply](Status s) {
      reply(s.isOk() ? json{{"ok", true}} : ControlServer::error(s.message()));
    });
  });
  server.addCommand("rib-generate", [&rp, &loop](const json& req, Reply reply) {
    std::make_shared<LoadGenerator>(rp, loop, req, std::move(reply))->start();
  });
}

}  // namespace hitless::rpd
