// `hitless install ...` and `show install ...` (IOS XR's install commands), answered by chassisd
// (chassis/install_service.h; docs/install.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "control/control_server.h"

namespace hitless::cli {
namespace {

using nlohmann::json;

std::optional<json> installState(const ParsedArgs& a, Io& io) {
  return askDaemon(chassisSocket(a), {{"cmd", "show-install"}}, io, 10000);
}

std::string utc(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string col(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

std::string joined(const json& list, const char* sep = " ") {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : sep) + s.get<std::string>();
  return out;
}

std::string setText(const json& set) {
  std::string out;
  for (const auto& [component, package] : set.items()) {
    out += (out.empty() ? "" : ", ") + package.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

const json* findOperation(const json& record, uint64_t id) {
  for (const auto& op : record["operations"]) {
    if (op["id"].get<uint64_t>() == id) return &op;
  }
  return nullptr;
}

void printImpact(const json& impact, std::ostream& out) {
  out << "Impact of this activation:\n";
  for (const auto& i : impact) {
    out << "  " << i["component"].get<std::string>() << ": "
        << (i["from_package"].get<std::string>().empty()
                ? std::string(i["component"] == "chassisd" ? "(installed binary)" : "(not running)")
                : i["from_package"].get<std::string>() + " (" +
                      i["from_version"].get<std::string>() + ")")
        << " -> " << i["package"].get<std::string>() << " (" << i["version"].get<std::string>()
        << ")\n";
    out << "    action: " << i["action"].get<std::string>() << "\n";
    const json& c = i["compat"];
    for (const auto& ch : c.value("channels", json::array())) {
      out << "    " << ch["channel"].get<std::string>() << " channel with "
          << ch["with"].value("component", std::string("?")) << " "
          << ch["with"].value("version", std::string("?")) << ": "
          << ch["compatibility"].get<std::string>()
          << (ch["legacy_assumed"].get<bool>() ? " (a manifest lists no set: legacy assumed)" : "")
          << "\n";
    }
    for (const auto& v : c["violations"]) {
      out << "    refused [" << v["rule"].get<std::string>() << "] "
          << v["reason"].get<std::string>() << "\n";
    }
    out << "    " << (i["allowed"].get<bool>() ? "allowed" : "NOT allowed") << "\n";
  }
}

// Prints the operation's new log lines until it ends (or `timeout_s`); exit 0 if it succeeded
// (or, following an `install abort` of it, if it ended aborted).
int follow(const ParsedArgs& a, Io& io, uint64_t id, bool aborting = false) {
  char* end = nullptr;
  const std::string timeout_text = a.get("timeout", "600");
  const long timeout_s = std::strtol(timeout_text.c_str(), &end, 10);
  if (*end != '\0' || timeout_s <= 0) {
    io.err << "% --timeout takes a positive number of seconds, not '" << timeout_text << "'\n";
    return kExitUsage;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  size_t printed = 0;
  // chassisd answers nothing while it re-execs into a chassisd package: a short silence is part
  // of that step, a long one an error.
  auto silent_since = std::chrono::steady_clock::time_point{};
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = control::controlRequest(chassisSocket(a), {{"cmd", "show-install"}}, 10000);
    if (!r.isOk() || !r->value("ok", false)) {
      const auto now = std::chrono::steady_clock::now();
      if (silent_since == std::chrono::steady_clock::time_point{}) silent_since = now;
      if (now - silent_since < std::chrono::seconds(20)) {
        ::usleep(100 * 1000);  // bounded by the 20 s above
        continue;
      }
      io.err << "% chassisd does not answer: "
             << (r.isOk() ? r->value("error", std::string()) : r.status().message()) << "\n";
      return kExitRefused;
    }
    silent_since = {};
    const std::optional<json> s = *r;
    const json* op = findOperation((*s)["record"], id);
    if (op == nullptr) {
      io.err << "% operation " << id << " is no longer in the install log\n";
      return kExitRefused;
    }
    const int64_t started = (*op)["started_ms"];
    const json& log = (*op)["log"];
    for (; printed < log.size(); ++printed) {
      char stamp[32];
      std::snprintf(stamp, sizeof(stamp), "[%6.1fs] ",
                    static_cast<double>(log[printed]["time_ms"].get<int64_t>() - started) / 1000);
      io.out << stamp << log[printed]["text"].get<std::string>() << std::endl;
    }
    const std::string state = (*op)["state"];
    if (state != "running") {
      if (state == "succeeded" || (aborting && state == "aborted")) return kExitOk;
      io.err << "% install operation " << id << " " << state
             << ((*op)["error"].get<std::string>().empty()
                     ? std::string()
                     : ": " + (*op)["error"].get<std::string>())
             << "\n";
      return kExitRefused;
    }
    ::usleep(100 * 1000);  // progress display cadence, not synchronisation
  }
  io.err << "% install operation " << id << " still running after " << timeout_s
         << " s; follow it with 'show install request'\n";
  return kExitRefused;
}

// Sends `request`; prints the answer and its notes; follows a switch unless --no-wait.
int installCommand(const ParsedArgs& a, Io& io, const json& request, bool switches) {
  auto r = askDaemon(chassisSocket(a), request, io, 60000);
  if (!r) return kExitRefused;
  if (a.has("json") && !switches) {
    io.out << r->dump(2) << "\n";
    return kExitOk;
  }
  io.out << r->value("message", std::string()) << "\n";
  for (const auto& n : r->value("notes", json::array())) {
    io.out << "  " << n.get<std::string>() << "\n";
  }
  if (!switches || a.has("no-wait")) return kExitOk;
  return follow(a, io, (*r)["id"].get<uint64_t>(), request["cmd"] == "install-abort");
}

std::vector<std::string> packageArgs(const ParsedArgs& a) {
  std::vector<std::string> out;
  for (const auto& p : a.positional) {
    // A path (it has a '/') names a package directory here: chassisd reads it by absolute path.
    out.push_back(p.find('/') != std::string::npos ? std::filesystem::absolute(p).string() : p);
  }
  return out;
}

int runActivate(const ParsedArgs& a, Io& io) {
  json request = {{"cmd", "install-activate"}, {"packages", a.positional}, {"test", a.has("test")}};
  if (a.has("auto-abort-timer")) {
    const std::string text = a.get("auto-abort-timer");
    char* end = nullptr;
    const long minutes = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || minutes < 1 || minutes > 10080) {
      io.err << "% --auto-abort-timer takes 1 to 10080 minutes, not '" << text << "'\n";
      return kExitUsage;
    }
    request["auto_abort_min"] = minutes;
  }
  // Asked directly: a refused activation still carries its impact report.
  auto r = control::controlRequest(chassisSocket(a), request, 60000);
  if (!r.isOk()) {
    io.err << "% " << r.status().message() << "\n";
    return kExitRefused;
  }
  if (a.has("json")) {
    io.out << r->dump(2) << "\n";
    if (!r->value("ok", false)) return kExitRefused;
    return a.has("test") || a.has("no-wait") ? kExitOk : follow(a, io, (*r)["id"]);
  }
  if (r->contains("impact")) printImpact((*r)["impact"], io.out);
  if (!r->value("ok", false)) {
    io.err << r->value("error", std::string("% refused")) << "\n";
    return kExitRefused;
  }
  io.out << r->value("message", std::string()) << "\n";
  for (const auto& n : r->value("notes", json::array())) {
    io.out << "  " << n.get<std::string>() << "\n";
  }
  if (a.has("test") || a.has("no-wait")) return kExitOk;
  return follow(a, io, (*r)["id"].get<uint64_t>());
}

int runRollback(const ParsedArgs& a, Io& io) {
  if (a.positional[0] != "to") {
    io.err << "% Invalid input '" << a.positional[0] << "': install rollback to committed|ID\n";
    return kExitUsage;
  }
  return installCommand(a, io, {{"cmd", "install-rollback"}, {"to", a.positional[1]}}, true);
}

int runRemove(const ParsedArgs& a, Io& io) {
  if (a.positional.size() == 1 && a.positional[0] == "inactive") {
    return installCommand(a, io, {{"cmd", "install-remove"}, {"inactive", true}}, false);
  }
  return installCommand(a, io, {{"cmd", "install-remove"}, {"packages", a.positional}}, false);
}

// show install active|inactive|committed: one row per package.
void printPackages(const json& s, const std::string& which, std::ostream& out) {
  const json& rec = s["record"];
  const json& active = rec["active"];
  const json& committed = rec["committed"];
  auto is_in = [](const json& set, const std::string& name) {
    for (const auto& [c, p] : set.items()) {
      if (p == name) return true;
    }
    return false;
  };
  out << col("Package", 22) << col("Component", 10) << col("Version", 9) << col("Active", 7)
      << col("Committed", 10) << "Pid\n";
  size_t rows = 0;
  for (const auto& [name, info] : rec["packages"].items()) {
    const bool act = is_in(active, name), com = is_in(committed, name);
    if ((which == "active" && !act) || (which == "inactive" && act) ||
        (which == "committed" && !com)) {
      continue;
    }
    std::string pid = "-";
    const std::string component = info["component"];
    if (act && s["components"].contains(component)) {
      pid = std::to_string(s["components"][component]["pid"].get<int>());
    }
    out << col(name, 22) << col(component, 10) << col(info["version"], 9)
        << col(act ? "yes" : "no", 7) << col(com ? "yes" : "no", 10) << pid << "\n";
    ++rows;
  }
  if (rows == 0) out << "(no " << which << " packages)\n";
  if (which != "inactive" && active != committed) {
    out << "The active set is not committed: it is reverted when chassisd restarts"
        << (rec["auto_abort_at_ms"].get<int64_t>() > 0
                ? " or at " + utc(rec["auto_abort_at_ms"].get<int64_t>()) + " UTC (auto-abort)"
                : "")
        << "; 'hitless install commit' keeps it.\n";
  }
  out << "rpd: upgraded through the ISSU procedure ('show issu state').\n";
}

void printOperation(const json& op, bool detail, std::ostream& out) {
  const int64_t started = op["started_ms"], ended = op["ended_ms"];
  char duration[32] = "-";
  if (ended > 0) std::snprintf(duration, sizeof(duration), "%.1fs", (ended - started) / 1000.0);
  out << col(std::to_string(op["id"].get<uint64_t>()), 4) << col(op["kind"], 11)
      << col(op["state"], 10) << col(utc(started), 20) << col(duration, 8) << col(op["trigger"], 15)
      << joined(op["args"]) << "\n";
  if (!detail) return;
  for (const auto& step : op["log"]) {
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "      [%6.1fs] ",
                  (step["time_ms"].get<int64_t>() - started) / 1000.0);
    out << stamp << step["text"].get<std::string>() << "\n";
  }
  if (!op["error"].get<std::string>().empty()) {
    out << "      error: " << op["error"].get<std::string>() << "\n";
  }
}

void printLogHeader(std::ostream& out) {
  out << col("Id", 4) << col("Kind", 11) << col("State", 10) << col("Started (UTC)", 20)
      << col("Took", 8) << col("Trigger", 15) << "Arguments\n";
}

int runShowInstall(const ParsedArgs& a, Io& io) {
  const std::string what = a.positional[0];
  static const std::vector<std::string> kWhat = {"active",   "inactive", "committed",
                                                 "rollback", "request",  "log"};
  if (std::find(kWhat.begin(), kWhat.end(), what) == kWhat.end()) {
    io.err << "% Invalid input '" << what
           << "': show install active|inactive|committed|rollback|request|log\n";
    return kExitUsage;
  }
  if (what != "log" && a.positional.size() > 1) {
    io.err << "% Invalid input '" << a.positional[1] << "' after 'show install " << what << "'\n";
    return kExitUsage;
  }
  auto s = installState(a, io);
  if (!s) return kExitRefused;
  const json& rec = (*s)["record"];
  if (what == "log") {
    std::optional<uint64_t> id;
    bool detail = false;
    for (size_t i = 1; i < a.positional.size(); ++i) {
      const std::string& w = a.positional[i];
      char* end = nullptr;
      const unsigned long long n = std::strtoull(w.c_str(), &end, 10);
      if (w == "detail") {
        detail = true;
      } else if (!w.empty() && *end == '\0' && n > 0 && !id) {
        id = n;
      } else {
        io.err << "% Invalid input '" << w << "': show install log [ID] [detail]\n";
        return kExitUsage;
      }
    }
    json ops = json::array();
    for (const auto& op : rec["operations"]) {
      if (!id || op["id"].get<uint64_t>() == *id) ops.push_back(op);
    }
    if (id && ops.empty()) {
      io.err << "% no install operation " << *id << " in the log\n";
      return kExitRefused;
    }
    if (a.has("json")) {
      io.out << ops.dump(2) << "\n";
      return kExitOk;
    }
    printLogHeader(io.out);
    for (const auto& op : ops) printOperation(op, detail || id.has_value(), io.out);
    return kExitOk;
  }
  if (what == "request") {
    const json* op = rec["running_id"].get<uint64_t>() != 0
                         ? findOperation(rec, rec["running_id"].get<uint64_t>())
                         : nullptr;
    if (a.has("json")) {
      io.out << (op ? *op : json(nullptr)).dump(2) << "\n";
      return kExitOk;
    }
    if (op == nullptr) {
      io.out << "No install operation in progress\n";
      return kExitOk;
    }
    printLogHeader(io.out);
    printOperation(*op, true, io.out);
    return kExitOk;
  }
  if (what == "rollback") {
    if (a.has("json")) {
      io.out << (*s)["rollback_points"].dump(2) << "\n";
      return kExitOk;
    }
    io.out << col("Id", 4) << col("Left by", 11) << col("Reachable", 10) << "Packages\n";
    for (const auto& p : (*s)["rollback_points"]) {
      io.out << col(std::to_string(p["id"].get<uint64_t>()), 4) << col(p["kind"], 11)
             << col(p["missing"].empty() ? "yes" : "no (" + joined(p["missing"], ", ") + ")", 10)
             << setText(p["set"]) << "\n";
    }
    io.out << "committed: " << setText(rec["committed"]) << "\n";
    return kExitOk;
  }
  if (a.has("json")) {
    json out = json::object();
    for (const auto& [name, info] : rec["packages"].items()) {
      bool act = false, com = false;
      for (const auto& [c, p] : rec["active"].items()) act = act || p == name;
      for (const auto& [c, p] : rec["committed"].items()) com = com || p == name;
      if ((what == "active" && act) || (what == "inactive" && !act) ||
          (what == "committed" && com)) {
        out[name] = info;
        out[name]["active"] = act;
        out[name]["committed"] = com;
      }
    }
    io.out << json{{"packages", out}, {"components", (*s)["components"]}}.dump(2) << "\n";
    return kExitOk;
  }
  printPackages(*s, what, io.out);
  return kExitOk;
}

const OptionSpec kNoWait{"no-wait", "", "return once started instead of following the steps"};
const OptionSpec kTimeout{"timeout", "SECONDS", "give up following after SECONDS (default 600)"};

}  // namespace

void addInstallCommands(CommandTable& table) {
  table.add({{"install", "add"},
             "PACKAGE...",
             "Verify packages and store them (a path with a '/' is copied into chassisd's image "
             "store; a name is a package already there); prints the operation id",
             {kChassisOption, kJsonOption},
             1,
             32,
             [](const ParsedArgs& a, Io& io) {
               return installCommand(a, io, {{"cmd", "install-add"}, {"packages", packageArgs(a)}},
                                     false);
             }});
  table.add({{"install", "activate"},
             "PACKAGE...",
             "Impact report, then run the packages (process restarts, forwarding kept); "
             "uncommitted: reverted when chassisd restarts",
             {kChassisOption,
              kJsonOption,
              {"test", "", "print the impact report only; change nothing"},
              {"auto-abort-timer", "MIN", "revert by itself unless committed within MIN minutes"},
              kNoWait,
              kTimeout},
             1,
             32,
             runActivate});
  table.add({{"install", "deactivate"},
             "PACKAGE...",
             "Return the packages' components to their committed packages",
             {kChassisOption, kNoWait, kTimeout},
             1,
             32,
             [](const ParsedArgs& a, Io& io) {
               return installCommand(
                   a, io, {{"cmd", "install-deactivate"}, {"packages", a.positional}}, true);
             }});
  table.add({{"install", "commit"},
             "",
             "Keep the active packages across restarts",
             {kChassisOption, kJsonOption},
             0,
             0,
             [](const ParsedArgs& a, Io& io) {
               return installCommand(a, io, {{"cmd", "install-commit"}}, false);
             }});
  table.add({{"install", "rollback"},
             "to committed|ID",
             "Return to the committed packages, or to the set operation ID left",
             {kChassisOption, kNoWait, kTimeout},
             2,
             2,
             runRollback});
  table.add({{"install", "remove"},
             "PACKAGE...|inactive",
             "Delete packages that are neither active nor committed from the image store",
             {kChassisOption, kJsonOption},
             1,
             32,
             runRemove});
  table.add({{"install", "abort"},
             "",
             "Turn back the running operation, or revert an uncommitted activation",
             {kChassisOption, kNoWait, kTimeout},
             0,
             0,
             [](const ParsedArgs& a, Io& io) {
               return installCommand(a, io, {{"cmd", "install-abort"}}, true);
             }});
  table.add({{"show", "install"},
             "active|inactive|committed|rollback|request|log [ID] [detail]",
             "Packages, rollback points, the running operation, the operation log",
             {kChassisOption, kJsonOption},
             1,
             3,
             runShowInstall});
}

}  // namespace hitless::cli
