#include "chassis/chassis_rig.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "control/control_server.h"

namespace hitless::testing {
namespace {
const std::string kBin = HITLESS_BIN_DIR;
}

ProcessOutput runHitless(std::vector<std::string> args) {
  args.insert(args.begin(), kBin + "/hitless");
  auto r = runProcess(args, std::chrono::seconds(120));
  return r.isOk() ? *r : ProcessOutput{};
}

ImageStore::ImageStore() {
  auto keys = runHitless({"keygen", "--out", dir_.file("keys")});
  if (keys.exit_code != 0) error_ = "keygen: " + keys.err;
  build("1.0.0", "2026-01-15", "release", "rpd-1.0", "1.0.0");
  build("1.1.0", "2026-06-01", "release", "rpd-1.1", "1.1.0");
  build("1.1.0", "2026-06-01", "interim", "rpd-1.1", "1.1.0-interim");
  // A major release that may be ISSU'd from 1.x: Incompatible with 1.0 (RPR).
  build("2.0.0", "2026-11-02", "release", "rpd-2.0", "2.0.0", {"--major-compat", "1"});
  // fwdd packages in the same store (the RP slots must refuse them; chassisd runs them).
  buildPackage("fwdd", "1.0.0", "2026-01-15", "fwdd-1.0", "fwdd-1.0.0");
  buildPackage("fwdd", "1.1.0", "2026-06-01", "fwdd-1.1", "fwdd-1.1.0");
  buildPackage("chassisd", "1.0.0", "2026-01-15", "chassisd-1.0", "chassisd-1.0.0");
  buildPackage("chassisd", "1.1.0", "2026-06-01", "chassisd-1.1", "chassisd-1.1.0");
}

void ImageStore::buildPackage(const std::string& component, const std::string& version,
                              const std::string& date, const std::string& binary,
                              const std::string& name) {
  auto r = runHitless({"image", "build", "--component", component, "--version", version, "--date",
                       date, "--kind", "release", "--platform", "linux-x86_64", "--key",
                       dir_.file("keys/hitless.key"), "--binary", kBin + "/" + binary, "--out",
                       dir_.file("images/" + name)});
  if (r.exit_code != 0) error_ += "image build " + name + ": " + r.err;
}

void ImageStore::build(const std::string& version, const std::string& date, const std::string& kind,
                       const std::string& rpd, const std::string& name,
                       std::vector<std::string> extra) {
  std::vector<std::string> args = {"image",      "build",
                                   "--version",  version,
                                   "--date",     date,
                                   "--kind",     kind,
                                   "--platform", "linux-x86_64",
                                   "--key",      dir_.file("keys/hitless.key"),
                                   "--rpd",      kBin + "/" + rpd,
                                   "--out",      dir_.file("images/" + name)};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = runHitless(args);
  if (r.exit_code != 0) error_ += "image build " + name + ": " + r.err;
}

ChassisRig::~ChassisRig() {
  killChassisd();
  // chassisd was SIGKILLed, so its rpds (found by their state directory) are killed here.
  (void)runProcess({"/usr/bin/pkill", "-KILL", "-f", state_.path()}, std::chrono::seconds(5));
}

void ChassisRig::startChassisd(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = launcher_;
  std::vector<std::string> chassisd = {kBin + "/chassisd",
                                       "--state-dir",
                                       state_.path(),
                                       "--images",
                                       images_.images(),
                                       "--pubkey",
                                       images_.pubkey(),
                                       "--initial-image",
                                       "1.0.0",
                                       "--rpd-arg",
                                       "--heartbeat-ms",
                                       "--rpd-arg",
                                       "100",
                                       "--rpd-arg",
                                       "--heartbeat-threshold",
                                       "--rpd-arg",
                                       "10"};
  argv.insert(argv.end(), chassisd.begin(), chassisd.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  chassisd_ = ChildProcess::spawn(argv, state_.file("chassisd.log"));
}

void ChassisRig::killChassisd() {
  if (chassisd_) chassisd_->kill();
}

bool ChassisRig::chassisdRunning() { return chassisd_ && !chassisd_->exited(); }

nlohmann::json ChassisRig::issu() {
  auto r = control::controlRequest(state_.file("chassis.ctl"), {{"cmd", "show-issu-state"}}, 2000);
  return r.isOk() ? *r : nlohmann::json::object();
}

ProcessOutput ChassisRig::cli(std::vector<std::string> args) {
  args.push_back("--chassis");
  args.push_back(state_.file("chassis.ctl"));
  return runHitless(args);
}

bool ChassisRig::waitIssu(const std::string& state, const std::string& step, int timeout_ms) {
  return waitFor(
      [&] {
        auto s = issu();
        return s.value("issu_state", std::string()) == state &&
               s.value("record", nlohmann::json::object()).value("step", std::string()) == step &&
               s.value("standby_hot", false);
      },
      timeout_ms);
}

nlohmann::json ChassisRig::rib(int slot) {
  auto r = control::controlRequest(state_.file("rp" + std::to_string(slot) + ".ctl"),
                                   {{"cmd", "rib-dump"}}, 5000);
  return r.isOk() ? *r : nlohmann::json::object();
}

int ChassisRig::rfState(int slot) {
  auto r = control::controlRequest(state_.file("rp" + std::to_string(slot) + ".ctl"),
                                   {{"cmd", "show-redundancy"}}, 2000);
  return r.isOk() && r->value("ok", false) ? (*r)["my_state"].value("number", 0) : 0;
}

bool ChassisRig::addRoutes() {
  return applyRoutes(
      "add 198.18.10.0/24 via 198.18.1.2 metric 5\nadd 198.18.11.0/24 via "
      "198.18.1.3\nadd 2001:db8:10::/48 via 2001:db8::2\n");
}

bool ChassisRig::applyRoutes(const std::string& changes, int slot) {
  auto r = control::controlRequest(state_.file("rp" + std::to_string(slot) + ".ctl"),
                                   {{"cmd", "rib-apply"}, {"changes", changes}}, 5000);
  return r.isOk() && r->value("synced", false);
}

int ChassisRig::rpdCount() { return processCount("rpd --slot"); }

int ChassisRig::processCount(const std::string& program) {
  auto r = runProcess({"/usr/bin/pgrep", "-c", "-f", program + " .*" + state_.path()},
                      std::chrono::seconds(5));
  return r.isOk() ? std::atoi(r->out.c_str()) : -1;
}

std::string ChassisRig::logs() {
  std::string out;
  for (const char* f : {"chassisd.log", "rp0.log", "rp1.log"}) {
    out += std::string("--- ") + f + "\n";
    std::ifstream in(state_.file(f));
    out += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

}  // namespace hitless::testing
