// The ISSU procedure commands (IOS syntax) and its show commands, answered by chassisd.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "control/control_server.h"

namespace hitless::cli {
namespace {

using nlohmann::json;

// Sends an ISSU command; prints chassisd's one-line answer (errors on stderr).
int issuCommand(const ParsedArgs& a, Io& io, json request) {
  auto r = askDaemon(chassisSocket(a), request, io, 60000);
  if (!r) return kExitRefused;
  std::string message = r->value("message", std::string());
  if (!message.empty()) io.out << message << "\n";
  return kExitOk;
}

// "3600", "45:00" (mm:ss) or "01:00:00" (hh:mm:ss) -> seconds.
std::optional<int64_t> parseDuration(const std::string& text) {
  int64_t total = 0, part = 0;
  int fields = 1;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      part = part * 10 + (c - '0');
      digit = true;
      if (part > 1000000) return std::nullopt;
    } else if (c == ':' && digit && fields < 3) {
      total = total * 60 + part;
      part = 0;
      digit = false;
      ++fields;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return total * 60 + part;  // total is 0 for a plain number of seconds
}

std::string clock(int64_t secs, bool hours) {
  char buf[32];
  if (hours) {
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld", static_cast<long long>(secs / 60),
                  static_cast<long long>(secs % 60));
  }
  return buf;
}

std::optional<json> issuState(const ParsedArgs& a, Io& io) {
  return askDaemon(chassisSocket(a), {{"cmd", "show-issu-state"}}, io, 10000);
}

void line(std::ostream& out, const char* label, const std::string& value) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%30s = %s\n", label, value.c_str());
  out << buf;
}

int runShowIssuState(const ParsedArgs& a, Io& io) {
  auto s = issuState(a, io);
  if (!s) return kExitRefused;
  if (a.has("json")) {
    io.out << s->dump(2) << "\n";
    return kExitOk;
  }
  const json& rec = (*s)["record"];
  std::string state = (*s)["issu_state"];
  std::string original = rec["original_image"], target = rec["target_image"];
  bool swapped = state == "Run Version" || state == "Commit Version";
  std::string primary = state == "Init" ? "N/A" : swapped ? target : original;
  std::string secondary = state == "Init" ? "N/A" : swapped ? original : target;
  bool detail = !a.positional.empty();
  for (const auto& slot : (*s)["slots"]) {
    line(io.out, "Slot", std::to_string(slot["slot"].get<int>()));
    line(io.out, "RP State", slot["role"].get<std::string>());
    line(io.out, "ISSU State", state);
    line(io.out, "Boot Variable", slot["boot"].get<std::string>());
    line(io.out, "Operating Mode",
         (*s)["standby_hot"].get<bool>()    ? "Stateful Switchover"
         : (*s).value("standby_rpr", false) ? "RPR (Incompatible pair: switchover is cold)"
                                            : "Not in SSO");
    line(io.out, "Primary Version", primary);
    line(io.out, "Secondary Version", secondary);
    line(io.out, "Current Version", slot["image"].get<std::string>());
    io.out << "\n";
  }
  if (detail) {
    io.out << "Last operation: "
           << (rec["last_operation"].get<std::string>().empty()
                   ? std::string("none")
                   : rec["last_operation"].get<std::string>())
           << "\n";
    if (!(*s)["rollback_remaining_s"].is_null()) {
      io.out << "Rollback: automatic, remaining time before rollback: "
             << clock((*s)["rollback_remaining_s"].get<int64_t>(), true) << "\n";
    } else if (rec["timer"] == "canceled-by-accept") {
      io.out << "Rollback: inactive, timer canceled by acceptversion\n";
    } else {
      io.out << "Rollback: inactive, no ISSU operation is in progress\n";
    }
    if (!rec["abort_reason"].get<std::string>().empty()) {
      io.out << "Last abort: " << rec["abort_reason"].get<std::string>() << "\n";
    }
    // Cat4500 XE: "Changeversion = TRUE" while a changeversion runs.
    const std::string change = rec.value("changeversion", std::string("none"));
    io.out << "Changeversion = " << (change == "none" ? "FALSE" : "TRUE")
           << (change == "quick" ? " (quick)" : "") << "\n";
  }
  return kExitOk;
}

int runShowRollbackTimer(const ParsedArgs& a, Io& io) {
  auto s = issuState(a, io);
  if (!s) return kExitRefused;
  if (a.has("json")) {
    io.out << json{{"configured_s", (*s)["record"]["rollback_timer_s"]},
                   {"remaining_s", (*s)["rollback_remaining_s"]}}
                  .dump(2)
           << "\n";
    return kExitOk;
  }
  bool running = !(*s)["rollback_remaining_s"].is_null();
  line(io.out, "Rollback Process State", running ? "In progress" : "Not in progress");
  line(io.out, "Configured Rollback Time",
       clock((*s)["record"]["rollback_timer_s"].get<int64_t>(), false));
  if (running) {
    line(io.out, "Automatic Rollback Time",
         clock((*s)["rollback_remaining_s"].get<int64_t>(), false));
  }
  return kExitOk;
}

// The negotiation between the two RPs, as the active RP of chassis state `s` reports it.
std::optional<json> negotiation(const json& s, Io& io) {
  const json& slot = s["slots"][s["active_slot"].get<int>()];
  auto r =
      askDaemon(slot["control_socket"].get<std::string>(), {{"cmd", "show-redundancy"}}, io, 5000);
  if (!r) return std::nullopt;
  if (!r->contains("negotiation")) {
    io.err << "% no peer RP is connected: nothing is negotiated\n";
    return std::nullopt;
  }
  return (*r)["negotiation"];
}

std::optional<json> negotiation(const ParsedArgs& a, Io& io) {
  auto s = issuState(a, io);
  if (!s) return std::nullopt;
  return negotiation(*s, io);
}

int runShowIssuClients(const ParsedArgs& a, Io& io) {
  auto n = negotiation(a, io);
  if (!n) return kExitRefused;
  if (a.has("json")) {
    io.out << (*n)["clients"].dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& c : (*n)["clients"]) {
    io.out << " Client_ID = " << c["id"].get<int>()
           << ",  Client_Name = " << c["name"].get<std::string>().substr(0, 31)
           << ",  Message_Types = " << c["messages"].size() << "\n";
  }
  io.out << "\nBase Clients:\n";
  for (const auto& c : (*n)["clients"]) {
    if (c["base"].get<bool>()) io.out << " Client_Name = " << c["name"].get<std::string>() << "\n";
  }
  return kExitOk;
}

int runShowIssuNegotiated(const ParsedArgs& a, Io& io) {
  auto n = negotiation(a, io);
  if (!n) return kExitRefused;
  if (a.has("json")) {
    io.out << n->dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& c : (*n)["clients"]) {
    io.out << "Client_ID = " << c["id"].get<int>()
           << ", Client_Name = " << c["name"].get<std::string>() << " :\n";
    for (const auto& m : c["messages"]) {
      io.out << "   Message_Type = " << m["type"].get<int>() << " (" << m["name"].get<std::string>()
             << "), Negotiated_Version = "
             << (m["negotiated_version"].is_null()
                     ? std::string("none")
                     : std::to_string(m["negotiated_version"].get<int>()))
             << ", Version_Range = " << m["mine"][0].get<int>() << " ~ " << m["mine"][1].get<int>()
             << " (peer " << m["peer"][0].get<int>() << " ~ " << m["peer"][1].get<int>() << ")\n";
    }
  }
  return kExitOk;
}

// One checkpoint session carries every client between the two RPs; per client it is the
// negotiation IOS calls a message session. Layout of `show issu sessions` (ISSU-REFERENCE.md).
int runShowIssuSessions(const ParsedArgs& a, Io& io) {
  int wanted = -1;
  if (!a.positional.empty()) {
    const std::string& id = a.positional[0];
    char* end = nullptr;
    long v = std::strtol(id.c_str(), &end, 10);
    if (id.empty() || *end != '\0' || v < 0 || v > 65535) {
      io.err << "% Invalid client id '" << id << "' (a number, see show issu clients)\n";
      return kExitUsage;
    }
    wanted = static_cast<int>(v);
  }
  auto s = issuState(a, io);
  if (!s) return kExitRefused;
  auto n = negotiation(*s, io);  // the same chassis view: asked once
  if (!n) return kExitRefused;
  int active = (*s)["active_slot"].get<int>();
  json sessions = json::array();
  for (const auto& c : (*n)["clients"]) {
    if (wanted >= 0 && c["id"].get<int>() != wanted) continue;
    sessions.push_back({{"client_id", c["id"]},
                        {"session_id", c["id"]},
                        {"session_name", c["name"]},
                        {"peer_unique_id", 2 - active},  // the standby's unit number
                        {"negotiate_role", "PRIMARY"},
                        {"negotiated_result", c["result"]},
                        {"message_types", c["messages"].size()}});
  }
  if (sessions.empty()) {
    io.err << "% No ISSU client " << wanted << " (see show issu clients)\n";
    return kExitRefused;
  }
  if (a.has("json")) {
    io.out << sessions.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& x : sessions) {
    char row[160];
    io.out << "Client_ID = " << x["client_id"].get<int>() << ", Entity_ID = 1 :\n"
           << "*** Session_ID = " << x["session_id"].get<int>()
           << ", Session_Name = " << x["session_name"].get<std::string>() << " :\n"
           << "   Peer     Peer    Negotiate  Negotiated   Cap      Msg      Session\n"
           << "UniqueID    Sid     Role       Result       GroupID  GroupID  Signature\n";
    std::snprintf(row, sizeof(row), "   %-8d %-7d %-10s %-12s %-8d %-8d %d\n",
                  x["peer_unique_id"].get<int>(), x["session_id"].get<int>(), "PRIMARY",
                  x["negotiated_result"].get<std::string>().c_str(), 1, 1, 0);
    io.out << row << "                               (no policy)\n"
           << "Negotiation Session Info for This Message Session:\n"
           << " Nego_Session_ID = " << x["session_id"].get<int>() << "\n"
           << " Nego_Session_Name = " << x["session_name"].get<std::string>() << "\n";
  }
  return kExitOk;
}

int runShowCompMatrix(const ParsedArgs& a, Io& io) {
  auto n = negotiation(a, io);
  if (!n) return kExitRefused;
  if (a.has("json")) {
    io.out << json{{"compatibility", (*n)["compatibility"]},
                   {"operating_mode", (*n)["operating_mode"]}}
                  .dump(2)
           << "\n";
    return kExitOk;
  }
  io.out << "Compatibility = " << (*n)["compatibility"].get<std::string>()
         << ", Operating mode = " << (*n)["operating_mode"].get<std::string>() << "\n"
         << "Cid   Client name                     Base/Non-Base  Compatibility\n"
         << "=================================================================\n";
  for (const auto& c : (*n)["clients"]) {
    char row[160];
    std::snprintf(row, sizeof(row), "%-5d %-31s %-14s %s\n", c["id"].get<int>(),
                  c["name"].get<std::string>().substr(0, 31).c_str(),
                  c["base"].get<bool>() ? "Base" : "Non-Base",
                  c["result"].get<std::string>().c_str());
    io.out << row;
  }
  return kExitOk;
}

int runRunVersion(const ParsedArgs& a, Io& io) {
  // As in IOS: report the clients that did not negotiate and what is lost with them, then confirm.
  if (auto n = negotiation(a, io)) {
    for (const auto& c : (*n)["clients"]) {
      if (c["result"] == "COMPATIBLE") continue;
      io.out << "% Client " << c["name"].get<std::string>() << " (" << c["id"].get<int>()
             << ") is INCOMPATIBLE: " << c.value("reason", std::string()) << "; its state will "
             << "not be carried across the switchover\n";
    }
    if ((*n).value("operating_mode", std::string()) == "RPR") {
      io.out << "% Operating mode is RPR: the switchover is cold. The new active starts from its "
                "configuration while fwdd keeps forwarding (NSF); each BGP peer sees one graceful "
                "restart\n";
    }
  }
  if (!a.has("yes")) {
    io.out << "This command will reload the Active unit. Proceed ? [confirm]";
    std::string answer;
    if (!std::getline(std::cin, answer) || !(answer.empty() || answer == "y" || answer == "yes")) {
      io.out << "\n% runversion cancelled\n";
      return kExitRefused;
    }
  }
  return issuCommand(a, io, {{"cmd", "issu-runversion"}});
}

// The entries of chassisd's ISSU history after `after` (time_ms, seq): a restarted chassisd
// numbers from 1 again, so the time decides first.
struct HistoryMark {
  int64_t time_ms = 0;
  uint64_t seq = 0;
  bool before(const json& e) const {
    int64_t t = e["time_ms"];
    return t > time_ms || (t == time_ms && e["seq"].get<uint64_t>() > seq);
  }
};

HistoryMark latest(const json& state) {
  HistoryMark m;
  for (const auto& e : state["history"]) {
    if (m.before(e)) m = {e["time_ms"].get<int64_t>(), e["seq"].get<uint64_t>()};
  }
  return m;
}

// `issu changeversion IMAGE [quick]`: starts the four steps in chassisd, then follows them with
// a line per step until Init (or --timeout). Exit 0 only when both RPs run IMAGE.
int runChangeVersion(const ParsedArgs& a, Io& io) {
  const std::string image = a.positional[0];
  const bool quick = a.positional.size() > 1;
  if (quick && a.positional[1] != "quick") {
    io.err << "% Invalid input '" << a.positional[1] << "': expected 'quick' or nothing\n";
    return kExitUsage;
  }
  char* end = nullptr;
  const std::string timeout_text = a.get("timeout", "3600");
  const long timeout_s = std::strtol(timeout_text.c_str(), &end, 10);
  if (*end != '\0' || timeout_s <= 0) {
    io.err << "% --timeout takes a positive number of seconds, not '" << timeout_text << "'\n";
    return kExitUsage;
  }
  auto initial = issuState(a, io);
  if (!initial) return kExitRefused;
  HistoryMark printed = latest(*initial);
  // Its answer is also the first history entry, printed below with the others.
  auto started =
      askDaemon(chassisSocket(a),
                {{"cmd", "issu-changeversion"}, {"image", image}, {"quick", quick}}, io, 60000);
  if (!started) return kExitRefused;
  if (a.has("no-wait")) {
    io.out << started->value("message", std::string()) << "\n";
    return kExitOk;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  const int64_t start_ms = (*initial)["now_ms"];
  auto stamp = [&](int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "[%7.1fs] ", static_cast<double>(ms - start_ms) / 1000);
    return std::string(buf);
  };
  bool reported_abort = false;
  while (Clock::now() < deadline) {
    auto s = issuState(a, io);
    if (!s) return kExitRefused;
    for (const auto& e : (*s)["history"]) {
      if (!printed.before(e)) continue;
      io.out << stamp(e["time_ms"]) << e["state"].get<std::string>() << ": "
             << e["event"].get<std::string>() << std::endl;
      printed = {e["time_ms"].get<int64_t>(), e["seq"].get<uint64_t>()};
    }
    const json& rec = (*s)["record"];
    const std::string stamp_now = stamp((*s)["now_ms"]);
    if ((*s)["issu_state"] == "Init") {
      const bool done = rec["boot"][0] == image && rec["boot"][1] == image &&
                        rec["abort_reason"].get<std::string>().empty();
      if (done) {
        io.out << stamp_now << "%issu changeversion completed: both RPs run " << image << "\n";
        return kExitOk;
      }
      io.err << stamp_now << "% changeversion stopped: " << rec["abort_reason"].get<std::string>()
             << "; both RPs run " << rec["boot"][0].get<std::string>() << "\n";
      return kExitRefused;
    }
    if (!reported_abort && !rec["abort_reason"].get<std::string>().empty()) {
      reported_abort = true;
      io.err << stamp_now << "% changeversion stopped: " << rec["abort_reason"].get<std::string>()
             << "\n";
    }
    ::usleep(250 * 1000);  // progress display cadence, not synchronisation
  }
  io.err << "% changeversion still in progress after " << timeout_s
         << " s; follow it with 'show issu state detail'\n";
  return kExitRefused;
}

int runSetRollbackTimer(const ParsedArgs& a, Io& io) {
  auto secs = parseDuration(a.positional[0]);
  if (!secs) {
    io.err << "% '" << a.positional[0] << "' is not SECONDS, mm:ss or hh:mm:ss\n";
    return kExitUsage;
  }
  return issuCommand(a, io, {{"cmd", "issu-set-rollback-timer"}, {"seconds", *secs}});
}

CommandSpec simple(std::vector<std::string> words, std::string summary, const char* cmd) {
  std::string c = cmd;
  return {std::move(words),
          "",
          std::move(summary),
          {kChassisOption},
          0,
          0,
          [c](const ParsedArgs& a, Io& io) {
            return issuCommand(a, io, {{"cmd", c}});
          }};
}

}  // namespace

std::string chassisSocket(const ParsedArgs& a) {
  if (a.has("chassis")) return a.get("chassis");
  const char* env = std::getenv("HITLESS_SOCKET");
  return env != nullptr && *env != '\0' ? env : "/run/hitless/chassis.ctl";
}

void addIssuCommands(CommandTable& table) {
  table.add({{"issu", "loadversion"},
             "IMAGE",
             "Reload the standby with IMAGE (from chassisd's image store); it must reach "
             "STANDBY HOT (STANDBY COLD in RPR, for an Incompatible major release)",
             {kChassisOption},
             1,
             1,
             [](const ParsedArgs& a, Io& io) {
               return issuCommand(a, io, {{"cmd", "issu-loadversion"}, {"image", a.positional[0]}});
             }});
  table.add({{"issu", "changeversion"},
             "IMAGE [quick]",
             "loadversion, runversion and commitversion in one command, with progress; "
             "quick: the old active reloads with IMAGE right after the switchover",
             {kChassisOption,
              {"no-wait", "", "return once started instead of following the steps"},
              {"timeout", "SECONDS", "give up following after SECONDS (default 3600)"}},
             1,
             2,
             runChangeVersion});
  table.add({{"issu", "runversion"},
             "",
             "Switch over to the standby on the new image; starts the rollback timer",
             {kChassisOption, {"yes", "", "do not ask for confirmation"}},
             0,
             0,
             runRunVersion});
  table.add(simple({"issu", "acceptversion"}, "Stop the rollback timer", "issu-acceptversion"));
  table.add(simple({"issu", "commitversion"}, "Reload the old active with the new image; ISSU done",
                   "issu-commitversion"));
  table.add(simple({"issu", "abortversion"}, "Go back to the original image, before commit",
                   "issu-abortversion"));
  table.add({{"issu", "set", "rollback-timer"},
             "SECONDS|hh:mm:ss",
             "Rollback timer, 0-7200 s (0 disables); only in Init",
             {kChassisOption},
             1,
             1,
             runSetRollbackTimer});
  table.add({{"show", "issu", "state"},
             "[detail]",
             "ISSU state per slot (IOS layout)",
             {kChassisOption, kJsonOption},
             0,
             1,
             runShowIssuState});
  table.add({{"show", "issu", "rollback-timer"},
             "",
             "Rollback timer state",
             {kChassisOption, kJsonOption},
             0,
             0,
             runShowRollbackTimer});
  table.add({{"show", "issu", "clients"},
             "",
             "ISSU clients of the RP pair",
             {kChassisOption, kJsonOption},
             0,
             0,
             runShowIssuClients});
  table.add({{"show", "issu", "negotiated"},
             "",
             "Negotiated version of every message type",
             {kChassisOption, kJsonOption},
             0,
             0,
             runShowIssuNegotiated});
  table.add({{"show", "issu", "sessions"},
             "[CLIENT_ID]",
             "Negotiation session of every ISSU client (or one) between the RPs",
             {kChassisOption, kJsonOption},
             0,
             1,
             runShowIssuSessions});
  table.add({{"show", "issu", "comp-matrix", "negotiated"},
             "",
             "Compatibility of the RP pair per client",
             {kChassisOption, kJsonOption},
             0,
             0,
             runShowCompMatrix});
}

}  // namespace hitless::cli
