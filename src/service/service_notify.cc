#include "service/service_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace hitless::service {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  under_systemd_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ms_ = static_cast<int64_t>(usec / 1000);
}

void ServiceNotifier::ready(const std::string& status) {
  if (!under_systemd_) return;
  last_status_ = status;
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void ServiceNotifier::status(const std::string& status) {
  if (!under_systemd_ || status == last_status_) return;
  last_status_ = status;
  sd_notify(0, ("STATUS=" + status).c_str());
}

void ServiceNotifier::stopping() {
  if (under_systemd_) sd_notify(0, "STOPPING=1");
}

void ServiceNotifier::watchdog(int64_t now_ms) {
  if (watchdog_ms_ == 0 || now_ms - last_ping_ms_ < watchdog_ms_ / 2) return;
  last_ping_ms_ = now_ms;
  sd_notify(0, "WATCHDOG=1");
}

}  // namespace hitless::service
