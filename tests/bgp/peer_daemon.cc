#include "bgp/peer_daemon.h"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "net/ip.h"
#include "testbed/testbed.h"

namespace hitless::testing {
namespace {

std::string bulkPrefix(size_t i) {
  // Host routes in 100.64.0.0/10: up to 4M of them.
  return "100." + std::to_string(64 + i / 65536 % 64) + "." + std::to_string(i / 256 % 256) + "." +
         std::to_string(i % 256) + "/32";
}

uint64_t number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return 0;
  return std::stoull(m[1]);
}

class BirdPeer : public PeerDaemon {
 public:
  std::string name() const override { return "bird2"; }

  std::string start(const PeerDaemonOptions& o, const TempDir& dir) override {
    options_ = o;
    socket_ = dir.file("bird.ctl");
    std::ofstream conf(dir.file("bird.conf"));
    conf << "router id " << o.address << ";\n"
         << "log \"" << dir.file("bird.log") << "\" all;\n"
         << "protocol device {}\n";
    if (o.sessions.empty()) {
      conf << "protocol static churn {\n  ipv4;\n  disabled yes;\n";
      for (size_t i = 0; i < o.churn_routes; ++i) {
        conf << "  route " << bulkPrefix(o.routes + i) << " blackhole;\n";
      }
      conf << "}\n";
      session(conf, "rtr", "announce", {o.address, o.neighbor}, 0, true);
    } else {
      for (size_t i = 0; i < o.sessions.size(); ++i) {
        session(conf, sessionName(i), "announce" + std::to_string(i), o.sessions[i], i * o.routes,
                i == 0);
      }
    }
    conf.close();
    process_ = ChildProcess::spawn(
        testbed::Testbed::inNetns(
            o.netns, {"/usr/sbin/bird", "-f", "-c", dir.file("bird.conf"), "-s", socket_}),
        dir.file("bird.out"));
    log_path_ = dir.file("bird.log");
    if (!waitFor([&] { return pathExists(socket_); }, 10000)) return "bird did not start: " + log();
    return "";
  }

  PeerView view() override {
    std::string name = options_.sessions.empty() ? "rtr" : sessionName(0);
    auto r = birdc({"show", "protocols", "all", name});
    PeerView v;
    if (!r.isOk()) {
      v.raw = r.status().message();
      return v;
    }
    v = parse(*r)[name];
    if (v.raw.empty()) v.raw = "no protocol " + name + " in:\n" + *r;
    std::ifstream log(log_path_);
    v.graceful_restarts = 0;
    for (std::string line; std::getline(log, line);) {
      v.graceful_restarts += line.find("Neighbor graceful restart detected") != std::string::npos;
    }
    return v;
  }

  std::string setChurn(bool on) override {
    auto r = birdc({on ? "enable" : "disable", "churn"});
    if (!r.isOk()) return r.status().message();
    if (r->find(on ? "enabled" : "disabled") == std::string::npos) return "birdc: " + *r;
    return "";
  }

  std::string requestRefresh() override {
    auto r = birdc({"reload", "in", "rtr"});
    if (!r.isOk()) return r.status().message();
    if (r->find("reload") == std::string::npos && r->find("Reload") == std::string::npos) {
      return "birdc: " + *r;
    }
    return "";
  }

  std::vector<PeerView> sessionViews() override {
    if (options_.sessions.empty()) return {view()};
    auto r = birdc({"show", "protocols", "all"});
    std::map<std::string, PeerView> all;
    if (r.isOk()) all = parse(*r);
    std::vector<PeerView> out;
    for (size_t i = 0; i < options_.sessions.size(); ++i) {
      PeerView v = all[sessionName(i)];
      if (v.raw.empty()) v.raw = r.isOk() ? "no protocol " + sessionName(i) : r.status().message();
      out.push_back(std::move(v));
    }
    return out;
  }

 private:
  static std::string sessionName(size_t i) { return "s" + std::to_string(i); }

  // Protocol `name`: a BGP session between `ends` (its address, the router's) announcing the
  // routes of static protocol `table` (`routes` prefixes from `first`, and 198.19.0.0/24 if
  // `with_target`). With more than one session each pair has a routing table of its own: through
  // one shared table every session's export filter would see every session's routes.
  void session(std::ostream& conf, const std::string& name, const std::string& table,
               const std::pair<std::string, std::string>& ends, size_t first,
               bool with_target) const {
    const PeerDaemonOptions& o = options_;
    std::string channel_table;
    if (!o.sessions.empty()) {
      conf << "ipv4 table t" << name << ";\n";
      channel_table = " table t" + name + ";";
    }
    conf << "protocol static " << table << " {\n  ipv4 {" << channel_table << " };\n";
    if (with_target) conf << "  route 198.19.0.0/24 blackhole;\n";
    for (size_t i = 0; i < o.routes; ++i) {
      conf << "  route " << bulkPrefix(first + i) << " blackhole;\n";
    }
    conf << "}\n"
         << "protocol bgp " << name << " {\n"
         << "  local " << ends.first << " as " << o.asn << ";\n"
         << "  neighbor " << ends.second << " as " << o.neighbor_asn << ";\n"
         << "  passive on;\n"
         << "  hold time " << o.hold_time_s << ";\n"
         << "  graceful restart on;\n"
         << "  debug { states, events };\n"  // logs each graceful restart it sees
         << "  ipv4 {" << channel_table << " import all; export where proto = \"" << table
         << "\" || proto = \"churn\"; next hop address " << o.next_hop << "; };\n"
         << "}\n";
  }

  Result<std::string> birdc(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/sbin/birdc", "-s", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = runProcess(argv, std::chrono::milliseconds(10000));
    if (!r.isOk()) return r.status();
    return r->out;
  }

  // Each BGP protocol's view from `show protocols all` (one block per protocol, separated by an
  // empty line).
  static std::map<std::string, PeerView> parse(const std::string& text) {
    std::map<std::string, PeerView> out;
    static const std::regex kHeader(R"(^(\S+)\s+BGP\s+\S+\s+\S+\s+(\S+)\s+(\w+))");
    static const std::regex kSince(R"((\d+):(\d+):(\d+)\.(\d+))");
    for (size_t at = 0; at < text.size();) {
      size_t end = text.find("\n\n", at);
      if (end == std::string::npos) end = text.size();
      std::string block = text.substr(at, end - at);
      at = end + 2;
      // birdc's greeting and the column names open the first block.
      while (block.rfind("BIRD ", 0) == 0 || block.rfind("Name ", 0) == 0) {
        size_t eol = block.find('\n');
        block.erase(0, eol == std::string::npos ? block.size() : eol + 1);
      }
      std::smatch m;
      std::string first = block.substr(0, block.find('\n'));
      if (!std::regex_search(first, m, kHeader)) continue;
      PeerView& v = out[m[1]];
      v.raw = block;
      v.since = m[2];
      v.established = m[3] == "Established";
      std::smatch t;
      if (std::regex_match(v.since, t, kSince)) {
        v.since_ms = ((std::stoll(t[1]) * 60 + std::stoll(t[2])) * 60 + std::stoll(t[3])) * 1000 +
                     std::stoll(t[4]);
      }
      v.routes_imported = number(block, R"(Routes:\s+(\d+) imported)");
      v.updates_received = number(block, R"(Import updates:\s+(\d+))");
      v.withdraws_received = number(block, R"(Import withdraws:\s+(\d+))");
    }
    return out;
  }

  std::string socket_;
};

// FRR's bgpd alone (-Z: no zebra, -S: no privilege drop), driven and read with vtysh.
class FrrPeer : public PeerDaemon {
 public:
  std::string name() const override { return "frr"; }

  std::string start(const PeerDaemonOptions& o, const TempDir& dir) override {
    options_ = o;
    vty_dir_ = dir.file("frr");
    std::filesystem::create_directories(vty_dir_);
    std::ofstream conf(dir.file("bgpd.conf"));
    conf << "frr defaults traditional\n"
         << "route-map NH permit 10\n set ip next-hop " << o.next_hop << "\n"
         << "router bgp " << o.asn << "\n"
         << " bgp router-id " << o.address << "\n"
         << " no bgp ebgp-requires-policy\n"
         << " no bgp network import-check\n"
         << " bgp graceful-restart\n"
         << " neighbor " << o.neighbor << " remote-as " << o.neighbor_asn << "\n"
         << " neighbor " << o.neighbor << " passive\n"
         << " neighbor " << o.neighbor << " timers " << std::max(1, o.hold_time_s / 3) << " "
         << o.hold_time_s << "\n"
         << " address-family ipv4 unicast\n"
         << "  network 198.19.0.0/24\n";
    for (size_t i = 0; i < o.routes; ++i) conf << "  network " << bulkPrefix(i) << "\n";
    conf << "  neighbor " << o.neighbor << " route-map NH out\n"
         << " exit-address-family\n";
    conf.close();
    log_path_ = dir.file("bgpd.log");
    process_ = ChildProcess::spawn(
        testbed::Testbed::inNetns(
            o.netns, {"/usr/lib/frr/bgpd", "-f", dir.file("bgpd.conf"), "-i", dir.file("bgpd.pid"),
                      "-Z", "-S", "--vty_socket", vty_dir_, "--log", "file:" + log_path_}),
        dir.file("bgpd.out"));
    if (!waitFor([&] { return pathExists(vty_dir_ + "/bgpd.vty"); }, 10000)) {
      return "bgpd did not start: " + log();
    }
    return "";
  }

  PeerView view() override {
    PeerView v;
    auto r = runProcess({"/usr/bin/vtysh", "--vty_socket", vty_dir_, "-c",
                         "show bgp neighbors " + options_.neighbor + " json"},
                        std::chrono::milliseconds(5000));
    if (!r.isOk()) {
      v.raw = r.status().message();
      return v;
    }
    v.raw = r->out;
    auto j = nlohmann::json::parse(r->out, nullptr, false);
    if (j.is_discarded() || !j.contains(options_.neighbor)) return v;
    const auto& n = j[options_.neighbor];
    v.established = n.value("bgpState", "") == "Established";
    // The count of sessions established identifies the session: it moves on any flap.
    v.since = std::to_string(n.value("connectionsEstablished", 0)) + "/" +
              std::to_string(n.value("connectionsDropped", 0));
    if (n.contains("messageStats")) v.updates_received = n["messageStats"].value("updatesRecv", 0);
    if (n.contains("addressFamilyInfo") && n["addressFamilyInfo"].contains("ipv4Unicast")) {
      v.routes_imported = n["addressFamilyInfo"]["ipv4Unicast"].value("acceptedPrefixCounter", 0);
    }
    return v;
  }

 private:
  std::string vty_dir_;
};

// An MRT TABLE_DUMP_V2 file (RFC 6396) holding `prefixes` with ORIGIN IGP and NEXT_HOP
// `next_hop`: how GoBGP takes a table in bulk (`gobgp mrt inject global`).
std::string mrtTable(const std::vector<std::string>& prefixes, const std::string& next_hop) {
  std::string out;
  auto put8 = [](std::string* o, uint32_t v) { o->push_back(static_cast<char>(v)); };
  auto put16 = [&](std::string* o, uint32_t v) {
    put8(o, v >> 8);
    put8(o, v);
  };
  auto put32 = [&](std::string* o, uint32_t v) {
    put16(o, v >> 16);
    put16(o, v);
  };
  auto record = [&](uint16_t subtype, const std::string& body) {
    put32(&out, 0);
    put16(&out, 13);  // TABLE_DUMP_V2
    put16(&out, subtype);
    put32(&out, static_cast<uint32_t>(body.size()));
    out += body;
  };
  auto v4 = [](const std::string& text) { return std::string(net::IpAddress::parse(text)->raw()); };
  std::string peers;
  put32(&peers, 0);  // collector id
  put16(&peers, 0);  // no view name
  put16(&peers, 1);
  put8(&peers, 0x02);  // IPv4 peer, 4-octet AS
  peers += v4("198.18.3.2") + v4("198.18.3.2");
  put32(&peers, 65002);
  record(1, peers);  // PEER_INDEX_TABLE
  std::string attrs = std::string("\x40\x01\x01\x00", 4) + std::string("\x40\x02\x00", 3) +
                      std::string("\x40\x03\x04", 3) + v4(next_hop);
  uint32_t seq = 0;
  for (const auto& text : prefixes) {
    auto p = net::IpPrefix::parse(text);
    std::string rib;
    put32(&rib, seq++);
    put8(&rib, p->length);
    rib.append(p->address.raw().substr(0, (p->length + 7u) / 8u));
    put16(&rib, 1);  // one entry
    put16(&rib, 0);  // peer index
    put32(&rib, 0);  // originated
    put16(&rib, static_cast<uint32_t>(attrs.size()));
    rib += attrs;
    record(2, rib);  // RIB_IPV4_UNICAST
  }
  return out;
}

// GoBGP with an export policy that sets the third-party next hop, its table injected from an
// MRT file, read back with the gobgp CLI over gRPC in the netns.
class GobgpPeer : public PeerDaemon {
 public:
  std::string name() const override { return "gobgp"; }

  std::string start(const PeerDaemonOptions& o, const TempDir& dir) override {
    options_ = o;
    std::ofstream conf(dir.file("gobgpd.toml"));
    conf << "[global.config]\n  as = " << o.asn << "\n  router-id = \"" << o.address << "\"\n"
         << "[global.apply-policy.config]\n  export-policy-list = [\"third-party-next-hop\"]\n"
         << "  default-export-policy = \"accept-route\"\n"
         << "[[policy-definitions]]\n  name = \"third-party-next-hop\"\n"
         << "  [[policy-definitions.statements]]\n    name = \"nh\"\n"
         << "    [policy-definitions.statements.actions]\n"
         << "      route-disposition = \"accept-route\"\n"
         << "    [policy-definitions.statements.actions.bgp-actions]\n"
         << "      set-next-hop = \"" << o.next_hop << "\"\n"
         << "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" << o.neighbor
         << "\"\n    peer-as = " << o.neighbor_asn << "\n"
         << "  [neighbors.transport.config]\n    passive-mode = true\n"
         << "  [neighbors.timers.config]\n    hold-time = " << o.hold_time_s
         << "\n    keepalive-interval = " << std::max(1, o.hold_time_s / 3) << "\n"
         << "  [neighbors.graceful-restart.config]\n    enabled = true\n    restart-time = 120\n"
         << "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n"
         << "      afi-safi-name = \"ipv4-unicast\"\n"
         << "    [neighbors.afi-safis.mp-graceful-restart.config]\n      enabled = true\n";
    conf.close();
    std::vector<std::string> prefixes = {"198.19.0.0/24"};
    for (size_t i = 0; i < o.routes; ++i) prefixes.push_back(bulkPrefix(i));
    // `gobgp mrt inject` (3.10) exits without sending its last partly filled queue (up to
    // --queue-size paths): repeat the first prefixes at the end so that tail is only repeats.
    std::vector<std::string> padded = prefixes;
    padded.insert(padded.end(), prefixes.begin(),
                  prefixes.begin() + static_cast<long>(std::min<size_t>(prefixes.size(), 2048)));
    Status w = writeFileAtomic(dir.file("table.mrt"), mrtTable(padded, o.next_hop));
    if (!w.isOk()) return w.message();
    log_path_ = dir.file("gobgpd.log");
    process_ = ChildProcess::spawn(
        testbed::Testbed::inNetns(o.netns,
                                  {"/usr/bin/gobgpd", "-f", dir.file("gobgpd.toml"), "--api-hosts",
                                   "127.0.0.1:50051", "--pprof-disable", "-p"}),
        log_path_);
    // gRPC answers once gobgpd is up; then the table goes in.
    if (!waitFor([&] { return cli({"global"}).isOk(); }, 10000)) {
      return "gobgpd did not start: " + log();
    }
    auto injected = cli({"mrt", "inject", "global", dir.file("table.mrt")}, 120000);
    if (!injected.isOk()) return "gobgp mrt inject: " + injected.status().message();
    auto count = [&] {
      auto r = cli({"global", "rib", "summary", "-a", "ipv4"});
      return r.isOk() ? number(*r, R"(Destination:\s+(\d+))") : 0;
    };
    if (!waitFor([&] { return count() == prefixes.size(); }, 60000)) {
      return "gobgp holds " + std::to_string(count()) + " of " + std::to_string(prefixes.size()) +
             " routes";
    }
    return "";
  }

  PeerView view() override {
    PeerView v;
    auto r = cli({"neighbor", options_.neighbor, "-j"});
    if (!r.isOk()) {
      v.raw = r.status().message();
      return v;
    }
    v.raw = *r;
    auto j = nlohmann::json::parse(*r, nullptr, false);
    if (j.is_discarded() || !j.contains("state")) return v;
    const auto& st = j["state"];
    v.established = st.value("session_state", 0) == 6;
    // When the session last came up (seconds since the epoch) identifies it.
    if (j.contains("timers") && j["timers"].contains("state") &&
        j["timers"]["state"].contains("uptime")) {
      v.since = std::to_string(j["timers"]["state"]["uptime"].value("seconds", int64_t{0})) + "/" +
                std::to_string(st.value("flops", 0));
    }
    if (st.contains("messages") && st["messages"].contains("received")) {
      v.updates_received = st["messages"]["received"].value("update", uint64_t{0});
      v.withdraws_received = st["messages"]["received"].value("withdraw_update", uint64_t{0});
    }
    if (j.contains("afi_safis")) {
      for (const auto& a : j["afi_safis"]) {
        if (a.contains("state")) v.routes_imported += a["state"].value("received", uint64_t{0});
      }
    }
    return v;
  }

 private:
  Result<std::string> cli(std::vector<std::string> args, int timeout_ms = 5000) {
    std::vector<std::string> argv = {"/usr/bin/gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = runProcess(testbed::Testbed::inNetns(options_.netns, argv),
                        std::chrono::milliseconds(timeout_ms));
    if (!r.isOk()) return r.status();
    if (!r->succeeded()) return Status::ioError(r->err.empty() ? r->out : r->err);
    return r->out;
  }
};

}  // namespace

bool sameSession(const PeerView& a, const PeerView& b) {
  if (a.since_ms >= 0 && b.since_ms >= 0) return std::llabs(a.since_ms - b.since_ms) <= 500;
  return a.since == b.since;
}

PeerDaemonOptions testbedPeer(const std::string& netns, size_t routes, int hold_time_s) {
  PeerDaemonOptions po;
  po.netns = netns;
  po.address = testbed::Addresses::kPeer;
  po.neighbor = testbed::Addresses::kRtrToPeer;
  po.routes = routes;
  po.next_hop = testbed::Addresses::kDst;
  po.hold_time_s = hold_time_s;
  return po;
}

void PeerDaemon::setRunning(bool running) {
  if (process_) ::kill(process_->pid(), running ? SIGCONT : SIGSTOP);
}

std::string PeerDaemon::log() const {
  auto t = readFile(log_path_);
  return t.isOk() ? *t : "";
}

std::unique_ptr<PeerDaemon> makeGobgpPeer() { return std::make_unique<GobgpPeer>(); }

std::unique_ptr<PeerDaemon> makeFrrPeer() { return std::make_unique<FrrPeer>(); }

std::unique_ptr<PeerDaemon> makeBirdPeer() { return std::make_unique<BirdPeer>(); }

}  // namespace hitless::testing
