// ControlClient: asks a daemon's control socket (control_server.h) from inside an EventLoop,
// never blocking the loop — chassisd polls its RPs and fwdd this way, so a busy RP cannot stall
// the chassis manager's answers to the operator.
//
// One connection, made on the first request and again after any failure; requests go out in
// order and are answered in order. Each request is bounded by its timeout: when it passes, the
// connection is closed and every request on it fails (a late answer must never be taken for a
// later request's). Callbacks never run from inside request(); they run from the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "event/connection.h"
#include "event/event_loop.h"

namespace hitless::control {

class ControlClient {
 public:
  using Callback = std::function<void(Result<nlohmann::json> answer)>;

  ControlClient(event::EventLoop& loop, std::string socket_path);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  void request(const nlohmann::json& request, int timeout_ms, Callback done);
  // Closes the connection (the daemon behind the socket was replaced); requests in flight fail.
  void reset(const std::string& why);
  size_t inFlight() const { return pending_.size(); }

 private:
  struct Pending {
    Callback done;
    event::TimerId timer = 0;
  };
  void onData(std::string_view input);
  // Fails every request in flight with `why` and drops the connection.
  void failAll(const std::string& why);
  // Runs `done` from the loop, not from the caller's stack.
  void later(Callback done, Result<nlohmann::json> answer);

  event::EventLoop& loop_;
  std::string path_;
  std::unique_ptr<event::Connection> conn_;
  std::deque<Pending> pending_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::control
