// ServiceNotifier: a daemon's side of systemd's Type=notify protocol (libsystemd sd_notify):
// READY=1 once it serves, STATUS= a one-line state for `systemctl status`, WATCHDOG=1 pings
// from the event loop (so a wedged loop gets the service restarted), STOPPING=1. Outside
// systemd ($NOTIFY_SOCKET unset) every call does nothing.
#pragma once

#include <cstdint>
#include <string>

namespace hitless::service {

class ServiceNotifier {
 public:
  ServiceNotifier();

  void ready(const std::string& status);
  void status(const std::string& status);  // sent only when it changed
  void stopping();
  // A watchdog ping if systemd asked for one (WatchdogSec=) and half its interval passed.
  void watchdog(int64_t now_ms);

  bool underSystemd() const { return under_systemd_; }
  // How often watchdog() must be called (0: no watchdog).
  int64_t watchdogIntervalMs() const { return watchdog_ms_; }

 private:
  bool under_systemd_ = false;
  int64_t watchdog_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  std::string last_status_;
};

}  // namespace hitless::service
