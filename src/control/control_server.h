// ControlServer: the local management socket of a hitless daemon (mode 0600: root only).
// Protocol: one JSON object per line each way. A request {"cmd": "...", ...} gets exactly one
// response line {"ok": true, ...} or {"ok": false, "error": "..."}; responses may be sent later
// (after a checkpoint is acknowledged) and go out in request order per connection. A malformed
// line or an unknown command gets an error response, never a dropped connection or a hang.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "event/connection.h"

namespace hitless::control {

using Reply = std::function<void(nlohmann::json response)>;
using CommandHandler = std::function<void(const nlohmann::json& request, Reply reply)>;

class ControlServer {
 public:
  // Every server answers "loop-stats" itself: the loop's figures since it started ("lifetime")
  // and since the last {"reset": true} ("window"), which it then restarts.
  explicit ControlServer(event::EventLoop& loop);
  ~ControlServer();

  void addCommand(const std::string& name, CommandHandler handler);
  Status listen(const std::string& path);

  static nlohmann::json error(const std::string& message) {
    return {{"ok", false}, {"error", message}};
  }

 private:
  struct Client;
  void onAccept();
  void onLine(Client& client, std::string_view line);

  event::EventLoop& loop_;
  event::UniqueFd listen_fd_;
  std::string path_;
  std::map<std::string, CommandHandler> commands_;
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_client_ = 1;
};

// A daemon's event-loop figures as its status answers carry them ("event_loop"): how many turns,
// how many over 1/10/20/100 ms, the longest.
nlohmann::json loopStatsJson(const event::LoopStats& stats);

// One blocking request/response, for the CLI and tests.
Result<nlohmann::json> controlRequest(const std::string& socket_path, const nlohmann::json& request,
                                      int timeout_ms = 10000);

}  // namespace hitless::control
