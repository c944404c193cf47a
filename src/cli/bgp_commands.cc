// show bgp summary, show bgp neighbors [ADDRESS], show ip route [bgp]: the active RP's BGP
// speaker and RIB in the IOS layouts, answered by rpd over its control socket.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace hitless::cli {
namespace {

using nlohmann::json;

std::string upDown(int64_t seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  return buf;
}

std::optional<json> askBgp(const ParsedArgs& a, Io& io, const char* cmd) {
  auto r = askDaemon(rpSocketPath(a), {{"cmd", cmd}}, io, 10000);
  if (!r) return std::nullopt;
  return (*r)["bgp"];
}

int runShowBgpSummary(const ParsedArgs& a, Io& io) {
  auto s = askBgp(a, io, "show-bgp-summary");
  if (!s) return kExitRefused;
  if (a.has("json")) {
    io.out << s->dump(2) << "\n";
    return kExitOk;
  }
  io.out << "BGP router identifier " << (*s)["router_id"].get<std::string>() << ", local AS number "
         << (*s)["local_as"] << "\n";
  if ((*s)["restarting"].get<bool>()) {
    io.out << "Graceful restart in progress: " << (*s)["restart_stale"]
           << " routes kept until every neighbor sent End-of-RIB\n";
  }
  io.out << "\n";
  char line[160];
  std::snprintf(line, sizeof(line), "%-15s %1s %12s %7s %7s %6s %5s %8s %s\n", "Neighbor", "V",
                "AS", "MsgRcvd", "MsgSent", "InQ", "OutQ", "Up/Down", "State/PfxRcd");
  io.out << line;
  for (const auto& n : (*s)["neighbors"]) {
    std::string state = n["state"].get<std::string>();
    std::string last =
        state == "Established" ? std::to_string(n["prefixes_received"].get<uint64_t>()) : state;
    if (n["prefixes_stale"].get<uint64_t>() > 0) {
      last += " (" + std::to_string(n["prefixes_stale"].get<uint64_t>()) + " stale)";
    }
    std::snprintf(line, sizeof(line), "%-15s %1d %12llu %7llu %7llu %6d %5d %8s %s\n",
                  n["neighbor"].get<std::string>().c_str(), 4,
                  static_cast<unsigned long long>(n["remote_as"].get<uint64_t>()),
                  static_cast<unsigned long long>(n["messages_received"].get<uint64_t>()),
                  static_cast<unsigned long long>(n["messages_sent"].get<uint64_t>()), 0, 0,
                  state == "Established" ? upDown(n["up_for_s"].get<int64_t>()).c_str() : "never",
                  last.c_str());
    io.out << line;
  }
  return kExitOk;
}

int runShowBgpNeighbors(const ParsedArgs& a, Io& io) {
  auto s = askBgp(a, io, "show-bgp-neighbors");
  if (!s) return kExitRefused;
  json shown = json::array();
  for (const auto& n : *s) {
    if (a.positional.empty() || n["neighbor"] == a.positional[0]) shown.push_back(n);
  }
  if (!a.positional.empty() && shown.empty()) {
    io.err << "% No such neighbor: " << a.positional[0] << "\n";
    return kExitRefused;
  }
  if (a.has("json")) {
    io.out << shown.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& n : shown) {
    const json& c = n["counters"];
    io.out << "BGP neighbor is " << n["neighbor"].get<std::string>() << ",  remote AS "
           << n["remote_as"] << ", local AS " << n["local_as"] << ", "
           << n["link"].get<std::string>() << " link\n";
    if (!n["description"].get<std::string>().empty()) {
      io.out << " Description: " << n["description"].get<std::string>() << "\n";
    }
    io.out << "  BGP version 4, remote router ID " << n["remote_router_id"].get<std::string>()
           << "\n"
           << "  BGP state = " << n["state"].get<std::string>() << "\n"
           << "  Hold time is " << n["hold_time_s"] << " (configured "
           << n["configured_hold_time_s"] << "), keepalive interval is "
           << n["hold_time_s"].get<int>() / 3 << " seconds\n"
           << "  Local address " << n["local_address"].get<std::string>()
           << (n["passive"].get<bool>() ? ", passive (waits for the neighbor to connect)" : "")
           << "\n"
           << "  Neighbor capabilities:";
    for (const auto& cap : n["capabilities"]) io.out << " " << cap.get<std::string>();
    io.out << "\n  Message statistics:\n"
           << "                         Sent       Rcvd\n";
    char line[96];
    auto row = [&](const char* name, const char* sent, const char* rcvd) {
      std::snprintf(line, sizeof(line), "    %-16s %10llu %10llu\n", name,
                    static_cast<unsigned long long>(c[sent].get<uint64_t>()),
                    static_cast<unsigned long long>(c[rcvd].get<uint64_t>()));
      io.out << line;
    };
    row("Notifications:", "notifications_out", "notifications_in");
    row("Updates:", "updates_out", "updates_in");
    row("Keepalives:", "keepalives_out", "keepalives_in");
    row("Total:", "messages_out", "messages_in");
    io.out << "  Connections established " << c["established_transitions"] << "; dropped "
           << n["flaps"] << "\n";
    if (!n["last_down_reason"].get<std::string>().empty()) {
      io.out << "  Last reset: " << n["last_down_reason"].get<std::string>() << "\n";
    }
    if (c.value("input_pauses", uint64_t{0}) > 0) {
      io.out << "  Input waited for the standby " << c["input_pauses"] << " times, "
             << c["input_paused_ms"] << " ms in all\n";
    }
    if (c["treat_as_withdraw"].get<uint64_t>() > 0) {
      io.out << "  Malformed UPDATEs treated as withdraw (RFC 7606): " << c["treat_as_withdraw"]
             << "\n";
    }
    io.out << "\n";
  }
  return kExitOk;
}

// IOS route codes for the rtnetlink protocol numbers hitless uses.
const char* routeCode(int protocol) {
  switch (protocol) {
    case 186:
      return "B";
    case 2:
      return "C";
    case 4:
      return "S";
    default:
      return "S";  // routes fed through the admin interface are static routes
  }
}

int runShowIpRoute(const ParsedArgs& a, Io& io) {
  json req = {{"cmd", "show-ip-route"}};
  if (!a.positional.empty()) {
    if (a.positional[0] != "bgp") {
      io.err << "% Invalid input: 'show ip route " << a.positional[0] << "' (expected: bgp)\n";
      return kExitUsage;
    }
    req["protocol"] = 186;
  }
  if (a.has("limit")) req["limit"] = std::stoul(a.get("limit"));
  auto r = askDaemon(rpSocketPath(a), req, io, 30000);
  if (!r) return kExitRefused;
  if (a.has("json")) {
    io.out << r->dump(2) << "\n";
    return kExitOk;
  }
  io.out << "Codes: C - connected, S - static, B - BGP\n"
         << "Gateway of last resort is not set\n\n";
  for (const auto& route : (*r)["routes"]) {
    io.out << routeCode(route["protocol"].get<int>()) << "        "
           << route["prefix"].get<std::string>() << " [" << route["distance"] << "/"
           << route["metric"] << "]";
    bool first = true;
    for (const auto& nh : route["nexthops"]) {
      io.out << (first ? " via " : ", via ") << nh["via"].get<std::string>();
      first = false;
    }
    io.out << "\n";
  }
  if ((*r)["routes"].size() < (*r)["matched"].get<size_t>()) {
    io.out << "... " << (*r)["matched"].get<size_t>() - (*r)["routes"].size() << " more (of "
           << (*r)["matched"] << ")\n";
  }
  return kExitOk;
}

}  // namespace

void addBgpCommands(CommandTable& table) {
  table.add({{"show", "bgp", "summary"},
             "",
             "BGP neighbors and their state (IOS 'show bgp summary')",
             {kRpSocketOption, kJsonOption},
             0,
             0,
             runShowBgpSummary});
  table.add({{"show", "bgp", "neighbors"},
             "[ADDRESS]",
             "Per-neighbor detail: capabilities, timers, message counters (IOS 'show bgp "
             "neighbors')",
             {kRpSocketOption, kJsonOption},
             0,
             1,
             runShowBgpNeighbors});
  table.add({{"show", "ip", "route"},
             "[bgp]",
             "The active RP's routing table (IOS 'show ip route')",
             {kRpSocketOption, kJsonOption, {"limit", "N", "print at most N routes"}},
             0,
             1,
             runShowIpRoute});
}

}  // namespace hitless::cli
