// show redundancy [states | switchover history], redundancy force-switchover, and the RIB admin
// commands, answered by a running rpd over its control socket.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "cli/commands.h"
#include "control/control_server.h"

namespace hitless::cli {
namespace {

using nlohmann::json;

std::optional<json> ask(const ParsedArgs& a, Io& io, json request, int timeout_ms = 30000) {
  return askDaemon(rpSocketPath(a), request, io, timeout_ms);
}

// Asks the RP for `cmd`; with --json prints the answer (or its `member`), else renders it.
int report(const ParsedArgs& a, Io& io, const char* cmd,
           const std::function<void(const json&)>& render, const char* member = nullptr) {
  auto r = ask(a, io, {{"cmd", cmd}});
  if (!r) return kExitRefused;
  if (a.has("json")) {
    io.out << (member ? (*r)[member] : *r).dump(2) << "\n";
  } else {
    render(*r);
  }
  return kExitOk;
}

std::string stateText(const json& s) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%-2d -%s", s.value("number", 0),
                s.value("name", std::string("?")).c_str());
  return buf;
}

std::string ssoShort(const std::string& mode) {
  if (mode.rfind("Stateful Switchover", 0) == 0) return "sso";
  if (mode == "Route Processor Redundancy") return "rpr";
  return "none";
}

void renderStates(const json& s, std::ostream& out) {
  bool duplex = s["mode"] == "Duplex";
  out << "       my state = " << stateText(s["my_state"]) << "\n"
      << "     peer state = " << stateText(s["peer_state"]) << "\n"
      << "           Mode = " << s["mode"].get<std::string>() << "\n"
      << "           Unit = " << s["unit"].get<std::string>() << "\n"
      << "        Unit ID = " << s["unit_id"].get<int>() << "\n\n"
      << "Redundancy Mode (Operational) = " << s["redundancy_mode_operational"].get<std::string>()
      << "\n"
      << "Redundancy Mode (Configured)  = " << s["redundancy_mode_configured"].get<std::string>()
      << "\n"
      << "Redundancy State              = "
      << (duplex ? s["redundancy_mode_operational"].get<std::string>() : "Non Redundant") << "\n"
      << " Maintenance Mode = Disabled\n"
      << "    Manual Swact = "
      << (duplex ? "enabled" : "disabled (system is simplex (no peer unit))") << "\n"
      << " Communications = " << s["communications"].get<std::string>()
      << (duplex ? "" : "      Reason: Simplex mode") << "\n\n"
      << "   client count = " << s["client_count"].get<int>() << "\n"
      << "   keep_alive TMR = " << s["keep_alive_ms"].get<int>() << " milliseconds\n"
      << "keep_alive threshold = " << s["keep_alive_threshold"].get<int>() << "\n"
      << "          epoch = " << s["epoch"].get<uint64_t>() << "\n";
}

int runShowStates(const ParsedArgs& a, Io& io) {
  return report(a, io, "show-redundancy", [&](const json& s) { renderStates(s, io.out); });
}

std::string uptimeText(int64_t secs) {
  int64_t d = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60;
  std::string out;
  if (d) out += std::to_string(d) + " days, ";
  if (d || h) out += std::to_string(h) + " hours, ";
  return out + std::to_string(m) + " minutes";
}

void renderRedundancy(const json& s, std::ostream& out) {
  bool duplex = s["mode"] == "Duplex";
  bool active = s["my_state"]["number"].get<int>() >= 9;
  int slot = s["slot"].get<int>();
  std::string op = ssoShort(s["redundancy_mode_operational"].get<std::string>());
  out << "Redundant System Information :\n------------------------------\n"
      << "       Available system uptime = " << uptimeText(s["uptime_s"].get<int64_t>()) << "\n"
      << "Switchovers system experienced = " << s["switchovers"].get<uint64_t>() << "\n"
      << "              Standby failures = " << s["standby_failures"].get<uint64_t>() << "\n"
      << "        Last switchover reason = " << s["last_switchover_reason"].get<std::string>()
      << "\n\n"
      << "                 Hardware Mode = " << s["mode"].get<std::string>() << "\n"
      << "    Configured Redundancy Mode = sso\n"
      << "     Operating Redundancy Mode = " << op << "\n"
      << "              Maintenance Mode = Disabled\n"
      << "                Communications = " << s["communications"].get<std::string>() << "\n\n"
      << "Current Processor Information :\n-------------------------------\n"
      << (active ? "               Active Location = slot "
                 : "              Standby Location = slot ")
      << slot << "\n"
      << "        Current Software state = " << s["my_state"]["name"].get<std::string>() << "\n"
      << "                 Image Version = " << s["software_version"].get<std::string>() << "\n"
      << "                         Epoch = " << s["epoch"].get<uint64_t>() << "\n"
      << "                        Routes = " << s["rib"]["routes"].get<uint64_t>() << "\n\n"
      << "Peer Processor Information :\n----------------------------\n";
  if (!duplex) {
    out << "Peer (slot: " << (1 - slot) << ") information is not available because it is in '"
        << s["peer_state"]["name"].get<std::string>() << "' state\n";
    return;
  }
  out << (active ? "              Standby Location = slot "
                 : "               Active Location = slot ")
      << (1 - slot) << "\n"
      << "        Current Software state = " << s["peer_state"]["name"].get<std::string>() << "\n"
      << "                 Image Version = " << s["peer_software_version"].get<std::string>()
      << "\n";
}

int runShowRedundancy(const ParsedArgs& a, Io& io) {
  return report(a, io, "show-redundancy", [&](const json& s) { renderRedundancy(s, io.out); });
}

int runShowHistory(const ParsedArgs& a, Io& io) {
  return report(
      a, io, "show-redundancy",
      [&](const json& r) {
        io.out << "Index  Previous  Current  Switchover             Switchover\n"
               << "       active    active   reason                 time\n"
               << "-----  --------  -------  ----------             ----------\n";
        for (const auto& h : r["switchover_history"]) {
          char line[256];
          std::snprintf(line, sizeof(line), "%5d  %8d  %7d  %-22s %s\n", h["index"].get<int>(),
                        h["previous_active"].get<int>(), h["current_active"].get<int>(),
                        h["reason"].get<std::string>().c_str(),
                        h["time"].get<std::string>().c_str());
          io.out << line;
        }
      },
      "switchover_history");
}

int runForceSwitchover(const ParsedArgs& a, Io& io) {
  if (!a.has("yes")) {
    io.out << "This will reload the active unit and force switchover to standby[confirm]";
    std::string answer;
    if (!std::getline(std::cin, answer) || !(answer.empty() || answer == "y" || answer == "yes")) {
      io.out << "\n% Switchover cancelled\n";
      return kExitRefused;
    }
  }
  auto r = ask(a, io, {{"cmd", "force-switchover"}});
  if (!r) return kExitRefused;
  io.out << "Initiating active RP failover\n";
  return kExitOk;
}

int runRibApply(const ParsedArgs& a, Io& io) {
  std::string text;
  if (a.positional[0] == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto file = readFile(a.positional[0]);
    if (!file.isOk()) {
      io.err << "% " << file.status().message() << "\n";
      return kExitUsage;
    }
    text = std::move(*file);
  }
  auto r = ask(a, io, {{"cmd", "rib-apply"}, {"changes", text}});
  if (!r) return kExitRefused;
  if (a.has("json")) {
    io.out << r->dump(2) << "\n";
  } else {
    io.out << (*r)["changes"].get<uint64_t>() << " changes applied"
           << ((*r)["synced"].get<bool>() ? ", acknowledged by the standby"
                                          : " (no standby in sync)")
           << "\n";
  }
  return kExitOk;
}

int runShowRib(const ParsedArgs& a, Io& io) {
  return report(a, io, "rib-dump", [&](const json& r) {
    for (const auto& line : r["routes"]) io.out << line.get<std::string>() << "\n";
    io.out << r["count"].get<uint64_t>() << " routes, digest "
           << r["digest"].get<std::string>().substr(0, 16) << "\n";
  });
}

}  // namespace

std::string rpSocketPath(const ParsedArgs& a) {
  if (a.has("socket")) return a.get("socket");
  const char* env = std::getenv("HITLESS_RP_SOCKET");
  return env != nullptr && *env != '\0' ? env : "/run/hitless/rp0.ctl";
}

void addRedundancyCommands(CommandTable& table) {
  table.add({{"show", "redundancy"},
             "",
             "Redundant system information (IOS 'show redundancy')",
             {kRpSocketOption, kJsonOption},
             0,
             0,
             runShowRedundancy});
  table.add({{"show", "redundancy", "states"},
             "",
             "RF states of this RP and its peer",
             {kRpSocketOption, kJsonOption},
             0,
             0,
             runShowStates});
  table.add({{"show", "redundancy", "switchover", "history"},
             "",
             "Past switchovers",
             {kRpSocketOption, kJsonOption},
             0,
             0,
             runShowHistory});
  table.add({{"redundancy", "force-switchover"},
             "",
             "Planned switchover to the STANDBY HOT peer",
             {kRpSocketOption, {"yes", "", "do not ask for confirmation"}},
             0,
             0,
             runForceSwitchover});
  table.add({{"rib", "apply"},
             "FILE|-",
             "Apply route changes ('add PREFIX via GW ...' / 'del PREFIX' lines) on the active",
             {kRpSocketOption, kJsonOption},
             1,
             1,
             runRibApply});
  table.add({{"show", "rib"},
             "",
             "Every route of the RP's RIB and its digest",
             {kRpSocketOption, kJsonOption},
             0,
             0,
             runShowRib});
}

}  // namespace hitless::cli
