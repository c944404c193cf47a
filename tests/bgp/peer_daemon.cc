#include "bgp/peer_daemon.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/file_util.h"
#include "base/subprocess.h"
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
         << "protocol device {}\n"
         << "protocol static announce {\n  ipv4;\n  route 198.19.0.0/24 blackhole;\n";
    for (size_t i = 0; i < o.routes; ++i) conf << "  route " << bulkPrefix(i) << " blackhole;\n";
    conf << "}\n"
         << "protocol bgp rtr {\n"
         << "  local " << o.address << " as " << o.asn << ";\n"
         << "  neighbor " << o.neighbor << " as " << o.neighbor_asn << ";\n"
         << "  passive on;\n"
         << "  hold time " << o.hold_time_s << ";\n"
         << "  graceful restart on;\n"
         << "  ipv4 { import all; export where proto = \"announce\"; next hop address "
         << o.next_hop << "; };\n"
         << "}\n";
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
    PeerView v;
    auto r = runProcess({"/usr/sbin/birdc", "-s", socket_, "show", "protocols", "all", "rtr"},
                        std::chrono::milliseconds(5000));
    if (!r.isOk()) {
      v.raw = r.status().message();
      return v;
    }
    v.raw = r->out;
    std::smatch m;
    if (std::regex_search(v.raw, m, std::regex(R"(rtr\s+BGP\s+\S+\s+\S+\s+(\S+)\s+(\w+))"))) {
      v.since = m[1];
      v.established = m[2] == "Established";
    }
    v.routes_imported = number(v.raw, R"(Routes:\s+(\d+) imported)");
    v.updates_received = number(v.raw, R"(Import updates:\s+(\d+))");
    v.withdraws_received = number(v.raw, R"(Import withdraws:\s+(\d+))");
    return v;
  }

  std::string log() const override {
    auto t = readFile(log_path_);
    return t.isOk() ? *t : "";
  }

 private:
  PeerDaemonOptions options_;
  std::string socket_, log_path_;
  std::unique_ptr<ChildProcess> process_;
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

  std::string log() const override {
    auto t = readFile(log_path_);
    return t.isOk() ? *t : "";
  }

 private:
  PeerDaemonOptions options_;
  std::string vty_dir_, log_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace

std::unique_ptr<PeerDaemon> makeFrrPeer() { return std::make_unique<FrrPeer>(); }

std::unique_ptr<PeerDaemon> makeBirdPeer() { return std::make_unique<BirdPeer>(); }

}  // namespace hitless::testing
