// show fib [routes]: the forwarding agent's view, answered by fwdd over its control socket.
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace hitless::cli {
namespace {

using nlohmann::json;

const OptionSpec kFwddOption{"fwdd", "PATH",
                             "fwdd control socket (default: $HITLESS_FWDD_SOCKET or "
                             "/run/hitless/fwdd.ctl)"};

std::string fwddSocket(const ParsedArgs& a) {
  if (a.has("fwdd")) return a.get("fwdd");
  const char* env = std::getenv("HITLESS_FWDD_SOCKET");
  return env != nullptr && *env != '\0' ? env : "/run/hitless/fwdd.ctl";
}

int runShowFib(const ParsedArgs& a, Io& io) {
  auto r = askDaemon(fwddSocket(a), {{"cmd", "show-fib"}}, io, 10000);
  if (!r) return kExitRefused;
  if (a.has("json")) {
    io.out << r->dump(2) << "\n";
    return kExitOk;
  }
  const json& s = *r;
  int writer = s["writer_slot"].get<int>();
  // Older fwdd releases report no release and no writer object.
  const std::string release = s.value("release", std::string("1.0"));
  std::string versions;
  if (s.contains("writer") && s["writer"].is_object()) {
    const json& w = s["writer"];
    versions = " (" + w.value("software", std::string("?")) + "; route update v" +
               std::to_string(w.value("route_update_version", 0)) + ", commit reply v" +
               std::to_string(w.value("commit_reply_version", 0)) + ")";
  }
  io.out << "Forwarding agent (fwdd " << release << "): rtnetlink protocol " << s["protocol"]
         << ", table " << s["table"] << "\n"
         << "  Routes installed     : " << s["routes"] << " (stale " << s["stale"] << ")\n"
         << "  Writer               : "
         << (writer < 0 ? std::string("none connected (the FIB forwards as it is)")
                        : "slot " + std::to_string(writer) + versions)
         << ", epoch " << s["epoch"] << (s["replaying"].get<bool>() ? ", replay in progress" : "")
         << "\n"
         << "  Last replay          : "
         << (s["last_replay_ms"].get<int64_t>() < 0
                 ? std::string("none")
                 : std::to_string(s["last_replay_ms"].get<int64_t>()) + " ms")
         << "\n"
         << "  Batches              : " << s["batches"] << " applied, " << s["batches_refused"]
         << " refused; " << s["route_errors"] << " routes refused by the kernel\n"
         << "  Kernel writes        : " << s["kernel_writes"] << " (overflow recoveries "
         << s["netlink_overflow_recoveries"] << ")\n"
         << "  Stale sweeps         : " << s["sweeps"] << ", " << s["swept"] << " routes removed\n"
         << "  Adopted at start     : " << s["adopted"] << " routes\n"
         << "  Last error           : "
         << (s["last_error"].get<std::string>().empty() ? std::string("-")
                                                        : s["last_error"].get<std::string>())
         << "\n";
  return kExitOk;
}

int runShowFibRoutes(const ParsedArgs& a, Io& io) {
  auto r = askDaemon(fwddSocket(a), {{"cmd", "fib-dump"}}, io, 60000);
  if (!r) return kExitRefused;
  if (a.has("json")) {
    io.out << (*r)["routes"].dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& line : (*r)["routes"]) io.out << line.get<std::string>() << "\n";
  io.out << (*r)["routes"].size() << " routes in the kernel FIB owned by fwdd\n";
  return kExitOk;
}

}  // namespace

void addFibCommands(CommandTable& table) {
  table.add({{"show", "fib"},
             "",
             "The forwarding agent: routes installed, writer, replays, sweeps, errors",
             {kFwddOption, kJsonOption},
             0,
             0,
             runShowFib});
  table.add({{"show", "fib", "routes"},
             "",
             "Every route fwdd owns in the kernel FIB",
             {kFwddOption, kJsonOption},
             0,
             0,
             runShowFibRoutes});
}

}  // namespace hitless::cli
