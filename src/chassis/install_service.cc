#include "chassis/install_service.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "base/log.h"
#include "base/two_copy_file.h"
#include "issu/compat_check.h"
#include "messages/fib_catalog.h"

namespace hitless::chassis {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kTickMs = 1000;
constexpr int64_t kRpdPollMs = 200;

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json refused(const std::string& message) { return {{"ok", false}, {"error", "% " + message}}; }

std::string actionFor(const std::string& component) {
  if (component == "fwdd") {
    return "process restart, forwarding kept: the new fwdd adopts the kernel FIB as it is, the "
           "active RP reconnects, negotiates the FIB channel and replays; unchanged routes are "
           "not rewritten; both RPs keep running";
  }
  if (component == "gnoid") {
    return "process restart: gnoid stops and the new one serves on the same port; a gNOI "
           "client's next call reaches it (a call in flight fails and is retried)";
  }
  if (component == "chassisd") {
    return "chassisd re-execs into the new binary (same pid): both RPs and fwdd keep running, "
           "the ISSU record and its rollback timer carry over";
  }
  return "RP switchover through the ISSU procedure (loadversion, runversion, commit)";
}

// An rpd pair that negotiates RPR (Incompatible: a major release) switches over cold.
constexpr const char* kColdRpdAction =
    "cold RP switchover through the ISSU procedure (RPR: the pair is Incompatible, nothing is "
    "synced): the new release starts from its configuration, fwdd keeps forwarding (NSF), each "
    "BGP peer sees one graceful restart; stale routes are swept after End-of-RIB";

}  // namespace

InstallService::InstallService(event::EventLoop& loop, InstallOptions options,
                               const issu::PublicKey& key,
                               std::function<std::vector<std::string>()> rpd_dirs)
    : loop_(loop), options_(std::move(options)), key_(key), rpd_dirs_(std::move(rpd_dirs)) {}

InstallService::~InstallService() {
  if (tick_timer_ != 0) loop_.cancelTimer(tick_timer_);
  if (rpd_timer_ != 0) loop_.cancelTimer(rpd_timer_);
}

std::string InstallService::runningRpd() const {
  if (!options_.issu_status) return "";
  const json s = options_.issu_status();
  if (s.value("issu_state", std::string()) != "Init" || !s.contains("slots")) return "";
  const std::string a = s["slots"][0].value("image", std::string());
  return a == s["slots"][1].value("image", std::string()) ? a : "";
}

void InstallService::switchRpd(const std::string& image) {
  options_.change_version(image, [this, image](bool ok, std::string message) {
    if (!ok) {
      engine_->switchDone(Status::failedPrecondition(message), runningRpd(), wallMs());
      return runEffects();
    }
    rpd_timer_ = loop_.addTimer(kRpdPollMs, [this, image] { pollRpd(image); });
  });
}

void InstallService::pollRpd(const std::string& image) {
  rpd_timer_ = 0;
  const json s = options_.issu_status();
  const json& rec = s["record"];
  if (s.value("issu_state", std::string()) != "Init" ||
      rec.value("changeversion", std::string()) != "none") {
    rpd_timer_ = loop_.addTimer(kRpdPollMs, [this, image] { pollRpd(image); });
    return;
  }
  const std::string reason = rec.value("abort_reason", std::string());
  const bool done = reason.empty() && rec["boot"][0] == image && rec["boot"][1] == image;
  engine_->switchDone(
      done ? Status::ok() : Status::failedPrecondition("the ISSU procedure stopped: " + reason),
      runningRpd(), wallMs());
  runEffects();
}

Status InstallService::persist() const {
  Status s = writeTwoCopies(recordPath(), engine_->record().toJson().dump(2) + "\n");
  if (!s.isOk()) logEvent("INSTALL", Severity::kError, "RECORD_WRITE", s.message());
  if (options_.fault_point) options_.fault_point("install-persist-after");
  return s;
}

Status InstallService::start() {
  install::InstallRecord record;
  TwoCopyLoad load = readTwoCopies(recordPath(), [&](const std::string& text) {
    auto parsed = install::InstallRecord::fromJson(json::parse(text, nullptr, false));
    if (parsed.isOk()) record = std::move(*parsed);
    return parsed.status();
  });
  for (const auto& why : load.set_aside) {
    logEvent("INSTALL", Severity::kError, "RECORD_CORRUPT", why);
  }
  // Per supervised component, the package it runs now: the committed one, else the first.
  std::map<std::string, std::string> packages;
  std::set<std::string> switchable;
  for (const auto& c : options_.components) {
    const std::string name(issu::componentName(c.process.component));
    auto committed = record.committed.find(name);
    packages[name] = committed != record.committed.end() ? committed->second : c.initial_package;
    if (!packages[name].empty()) switchable.insert(name);
  }
  if (options_.exec_self) switchable.insert(install::kSelfComponent);
  if (options_.change_version) switchable.insert("rpd");
  engine_ = std::make_unique<install::InstallEngine>(std::move(record), switchable);
  install::PackageSet running;
  for (const auto& c : options_.components) {
    const std::string name(issu::componentName(c.process.component));
    const std::string& package = packages[name];
    if (package.empty()) continue;
    ComponentProcessOptions process = c.process;
    process.fault_point = options_.fault_point;
    auto& p = processes_[name] = std::make_unique<ComponentProcess>(loop_, process, key_);
    if (engine_->record().packages.count(package) == 0) {
      ASSIGN_OR_RETURN(issu::VerifiedImage v, p->verified(package));
      (void)engine_->add({{package, {name, v.manifest.version.toString()}}}, wallMs(),
                         "chassisd-start");
    }
    engine_->bootstrap(name, package, wallMs());
    RETURN_IF_ERROR(p->startOrAdopt(package));
    running[name] = p->package();
  }
  if (options_.exec_self) running[install::kSelfComponent] = options_.running_package;
  engine_->startup(running, wallMs());
  followRpd();
  runEffects();
  tick_timer_ = loop_.addTimer(
      kTickMs,
      [this] {
        engine_->tick(wallMs());
        followRpd();
        runEffects();
      },
      true);
  return Status::ok();
}

void InstallService::runEffects() {
  if (running_effects_) return;  // the outer call picks up what a nested one would do
  running_effects_ = true;
  for (auto effects = engine_->takeEffects(); !effects.empty(); effects = engine_->takeEffects()) {
    for (size_t i = 0; i < effects.size(); ++i) {
      const install::Effect& e = effects[i];
      switch (e.kind) {
        case install::Effect::Kind::kPersist:
          // Consecutive writes of the same record: the last one is enough.
          if (i + 1 < effects.size() && effects[i + 1].kind == e.kind) break;
          (void)persist();
          break;
        case install::Effect::Kind::kDeletePackages:
          for (const auto& name : e.packages) {
            std::error_code ec;
            fs::remove_all(options_.image_dir + "/" + name, ec);
            logEvent("INSTALL", Severity::kNotice, "PACKAGE_REMOVED", name);
          }
          break;
        case install::Effect::Kind::kSwitch:
          if (e.component == "rpd" && options_.change_version) {
            switchRpd(e.package);
            break;
          }
          if (e.component == install::kSelfComponent && options_.exec_self) {
            // On the next loop turn: the answer to the command that started it goes out first.
            loop_.addTimer(0, [this, package = e.package] { switchSelf(package); });
            break;
          }
          if (ComponentProcess* p = component(e.component)) {
            logEvent("INSTALL", Severity::kNotice, "SWITCH",
                     e.component + " " + p->package() + " -> " + e.package);
            p->switchTo(e.package, [this, p](Status result) {
              if (!result.isOk()) {
                logEvent("INSTALL", Severity::kError, "SWITCH_FAILED", result.message());
              }
              engine_->switchDone(result, p->package(), wallMs());
              runEffects();
            });
            break;
          }
          engine_->switchDone(Status::unimplemented("this chassis cannot restart " + e.component),
                              "", wallMs());
          break;
      }
    }
  }
  running_effects_ = false;
}

void InstallService::followRpd() {
  // The RPs' image is the ISSU procedure's to decide (it commits on its own): install records
  // what they run, as an added package.
  const std::string image = runningRpd();
  if (image.empty() || engine_->runningId()) return;
  if (engine_->record().packages.count(image) == 0) {
    // The chassis manager verified the image when it started the RPs from it (its status has
    // the signed version): hashing it again here would hold the loop for nothing. Only RPs
    // adopted across a chassisd restart are verified here.
    const json s = options_.issu_status();
    std::string version = s["slots"][0].value("version", std::string());
    if (version.empty() || version != s["slots"][1].value("version", std::string())) {
      auto v = issu::verifyStoreEntry(options_.image_dir, image, key_, issu::Component::kRpd);
      if (!v.isOk()) return;
      version = v->manifest.version.toString();
    }
    (void)engine_->add({{image, {"rpd", version}}}, wallMs(), "issu");
  }
  engine_->follow("rpd", image, wallMs());
}

ComponentProcess* InstallService::component(const std::string& name) {
  auto it = processes_.find(name);
  return it == processes_.end() ? nullptr : it->second.get();
}

void InstallService::switchSelf(const std::string& package) {
  std::string binary = options_.installed_binary;
  if (!package.empty()) {
    auto v = issu::verifyStoreEntry(options_.image_dir, package, key_, issu::Component::kChassisd);
    if (!v.isOk()) {
      engine_->switchDone(v.status(), options_.running_package, wallMs());
      return runEffects();
    }
    binary = v->binaryPath();
  }
  // Returns only if the exec failed; the record already names this step, so the new chassisd
  // finishes the operation when it starts on `package`.
  Status failed = options_.exec_self(binary, package);
  logEvent("INSTALL", Severity::kError, "SWITCH_FAILED", failed.message());
  engine_->switchDone(failed, options_.running_package, wallMs());
  runEffects();
}

json InstallService::answer(const Result<install::Opened>& opened, const std::string& what) {
  if (!opened.isOk()) return refused(opened.status().message());
  runEffects();
  const install::Operation* op = engine_->record().find(opened->id);
  json j = {{"ok", true},
            {"id", opened->id},
            {"notes", opened->notes},
            {"state", op ? install::operationStateName(op->state) : "succeeded"},
            {"message", "Install operation " + std::to_string(opened->id) + " " + what}};
  return j;
}

json InstallService::add(const std::vector<std::string>& packages) {
  std::vector<std::pair<std::string, install::PackageInfo>> verified;
  for (const auto& arg : packages) {
    std::string name = arg;
    if (arg.find('/') != std::string::npos) {
      // A package directory elsewhere: verified where it is, then copied into the store.
      auto v = issu::verifyImage(arg, key_);
      if (!v.isOk()) return refused(arg + ": " + v.status().message());
      name = fs::path(arg).lexically_normal().filename().string();
      if (name.empty()) name = fs::path(arg).lexically_normal().parent_path().filename().string();
      const std::string dest = options_.image_dir + "/" + name;
      if (fs::exists(dest)) {
        auto there = issu::verifyImage(dest, key_);
        if (!there.isOk() || there->manifest.toJson() != v->manifest.toJson()) {
          return refused("a different package named " + name + " is already in the image store");
        }
      } else {
        std::error_code ec;
        fs::copy(arg, dest + ".adding", fs::copy_options::recursive, ec);
        if (!ec) fs::rename(dest + ".adding", dest, ec);
        if (ec) {
          fs::remove_all(dest + ".adding", ec);
          return refused("cannot copy " + arg + " into " + options_.image_dir + ": " +
                         ec.message());
        }
      }
    }
    std::string dir = options_.image_dir + "/" + name;
    if (name.empty() || name[0] == '.' || !fs::is_directory(dir)) {
      return refused("no package " + arg + " (a name in " + options_.image_dir +
                     " or a package directory)");
    }
    auto v = issu::verifyImage(dir, key_);
    if (!v.isOk()) return refused(name + ": " + v.status().message());
    verified.push_back(
        {name, {std::string(v->manifest.binaryName()), v->manifest.version.toString()}});
  }
  auto opened = engine_->add(verified, wallMs());
  json j = answer(opened, "added " + std::to_string(verified.size()) + " package(s)");
  if (opened.isOk()) {
    json added = json::array();
    for (const auto& [name, info] : verified) {
      added.push_back(
          {{"package", name}, {"component", info.component}, {"version", info.version}});
    }
    j["packages"] = added;
  }
  return j;
}

json InstallService::impactReport(const std::vector<install::Impact>& impacts,
                                  bool* allowed) const {
  json out = json::array();
  *allowed = true;
  for (const auto& i : impacts) {
    const std::string target = options_.image_dir + "/" + i.package;
    issu::CompatReport r;
    if (!i.from_package.empty()) {
      r = issu::checkCompat(options_.image_dir + "/" + i.from_package, target, key_);
    } else {
      r.target.path = target;
      auto v = issu::verifyImage(target, key_);
      if (v.isOk()) {
        r.target.manifest = v->manifest;
      } else {
        r.violations.push_back({issu::PolicyRule::kImageSignature, v.status().message()});
      }
    }
    // The channels the target shares with the components that stay: fwdd's FIB channel with
    // the rpds; an rpd's with the fwdd package running.
    std::vector<std::string> others;
    if (i.info.component == "fwdd") others = rpd_dirs_();
    if (auto f = engine_->record().active.find("fwdd");
        i.info.component == "rpd" && f != engine_->record().active.end()) {
      others.push_back(options_.image_dir + "/" + f->second);
    }
    if (!others.empty()) {
      issu::checkChannels(
          others, key_, [](const std::string&) { return messages::legacyFibMessageSet(); }, &r);
    }
    *allowed = *allowed && r.allowed();
    out.push_back({{"package", i.package},
                   {"component", i.info.component},
                   {"version", i.info.version},
                   {"from_package", i.from_package},
                   {"from_version", i.from_version},
                   {"action", i.info.component == "rpd" && r.negotiation &&
                                      r.negotiation->mode() == issu::OperatingMode::kRpr
                                  ? kColdRpdAction
                                  : actionFor(i.info.component)},
                   {"allowed", r.allowed()},
                   {"compat", issu::toJson(r)}});
  }
  return out;
}

json InstallService::activate(const std::vector<std::string>& packages, bool test,
                              int64_t auto_abort_min, bool commit) {
  auto impacts = engine_->impact(packages);
  if (!impacts.isOk()) return refused(impacts.status().message());
  bool allowed = false;
  json report = impactReport(*impacts, &allowed);
  if (!allowed) {
    json j = refused("activation refused: see the impact report");
    j["impact"] = report;
    return j;
  }
  if (test) {
    return {{"ok", true},
            {"test", true},
            {"impact", report},
            {"message", "--test: nothing was changed"}};
  }
  bool rpd = false;
  for (const auto& i : *impacts) rpd = rpd || i.info.component == "rpd";
  // The ISSU procedure commits its image itself (changeversion ends with commitversion).
  auto opened = engine_->activate(packages, auto_abort_min * 60000, wallMs(), commit || rpd);
  json j = answer(opened, "started: activating " + std::to_string(packages.size()) + " package(s)");
  j["impact"] = report;
  return j;
}

json InstallService::handle(const json& request) {
  const std::string cmd = request.value("cmd", std::string());
  std::vector<std::string> packages;
  if (request.contains("packages") && request["packages"].is_array()) {
    for (const auto& p : request["packages"]) {
      if (!p.is_string()) return refused("packages must be names");
      packages.push_back(p.get<std::string>());
    }
  }
  const int64_t now = wallMs();
  if (cmd == "show-install") return show();
  if (cmd == "install-add") return add(packages);
  if (cmd == "install-activate") {
    const int64_t minutes = request.value("auto_abort_min", int64_t{0});
    if (minutes < 0 || minutes > 7 * 24 * 60) {
      return refused("--auto-abort-timer takes 1 to 10080 minutes");
    }
    return activate(packages, request.value("test", false), minutes,
                    request.value("commit", false));
  }
  if (cmd == "install-deactivate") {
    return answer(engine_->deactivate(packages, now), "started: deactivating");
  }
  if (cmd == "install-commit") return answer(engine_->commit(now), "committed");
  if (cmd == "install-abort") return answer(engine_->abort(now), "aborting");
  if (cmd == "install-remove") {
    if (packages.empty() && !request.value("inactive", false)) {
      return refused("install remove: name packages or 'inactive'");
    }
    return answer(engine_->remove(packages, now), "removed package(s)");
  }
  if (cmd == "install-rollback") {
    const std::string to = request.value("to", std::string("committed"));
    std::optional<uint64_t> point;
    if (to != "committed") {
      char* end = nullptr;
      unsigned long long id = std::strtoull(to.c_str(), &end, 10);
      if (to.empty() || *end != '\0' || id == 0) {
        return refused("rollback to 'committed' or an operation id, not '" + to + "'");
      }
      point = id;
    }
    return answer(engine_->rollback(point, now), "started: rolling back to " + to);
  }
  return refused("unknown install command '" + cmd + "'");
}

json InstallService::show() const {
  json points = json::array();
  for (const auto& p : engine_->rollbackPoints()) {
    points.push_back({{"id", p.id}, {"kind", p.kind}, {"set", p.set}, {"missing", p.missing}});
  }
  json components = json::object();
  for (const auto& [name, p] : processes_) components[name] = p->status();
  components[install::kSelfComponent] = {{"component", install::kSelfComponent},
                                         {"package", options_.running_package},
                                         {"pid", ::getpid()}};
  return {{"ok", true},
          {"now_ms", wallMs()},
          {"record", engine_->record().toJson()},
          {"rollback_points", points},
          {"components", components}};
}

}  // namespace hitless::chassis
