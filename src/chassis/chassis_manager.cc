#include "chassis/chassis_manager.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/file_util.h"
#include "base/log.h"
#include "base/subprocess.h"
#include "base/two_copy_file.h"
#include "control/control_server.h"
#include "issu/version_policy.h"
#include "redundancy/rf_fsm.h"

namespace hitless::chassis {
namespace {

constexpr int kActive = 13, kStandbyHot = 8, kActiveFast = 9, kStandbyCold = 4;
// How long both RPs may answer without either being active before chassisd makes one active.
constexpr int64_t kNoActiveMs = 3000;

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChassisManager::ChassisManager(event::EventLoop& loop, ChassisOptions options)
    : loop_(loop), options_(std::move(options)) {
  for (int slot = 0; slot < 2; ++slot) {
    // Only an rpd of this chassis and slot names this control socket.
    slots_[slot].rpd = std::make_unique<SupervisedProcess>(
        loop_, options_.state_dir + "/rp" + std::to_string(slot) + ".pid", rpControlSocket(slot),
        [this, slot](int status) { onSlotExit(slot, status); });
    slots_[slot].poll_client =
        std::make_unique<control::ControlClient>(loop_, rpControlSocket(slot));
    slots_[slot].slow_client =
        std::make_unique<control::ControlClient>(loop_, rpControlSocket(slot));
    slots_[slot].command_client =
        std::make_unique<control::ControlClient>(loop_, rpControlSocket(slot));
    slots_[slot].check_client =
        std::make_unique<control::ControlClient>(loop_, rpControlSocket(slot));
  }
  if (!options_.fwdd_control.empty()) {
    fwdd_client_ = std::make_unique<control::ControlClient>(loop_, options_.fwdd_control);
  }
}

void ChassisManager::forgetSlot(int slot) {
  Slot& s = slots_[slot];
  ++s.generation;
  s.rf_state = 0;
  const std::string why = "slot " + std::to_string(slot) + "'s rpd was replaced";
  for (auto* client :
       {s.poll_client.get(), s.slow_client.get(), s.command_client.get(), s.check_client.get()}) {
    client->reset(why);
  }
}

ChassisManager::~ChassisManager() {
  if (poll_timer_ != 0) loop_.cancelTimer(poll_timer_);
  for (int s = 0; s < 2; ++s) stopSlot(s);
}

std::string ChassisManager::rpControlSocket(int slot) const {
  return options_.state_dir + "/rp" + std::to_string(slot) + ".ctl";
}

std::vector<std::string> ChassisManager::runningImageDirs() const {
  std::vector<std::string> dirs;
  for (const auto& slot : slots_) {
    std::string dir = options_.image_dir + "/" + slot.image;
    if (!slot.image.empty() && std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
      dirs.push_back(dir);
    }
  }
  return dirs;
}

Result<issu::VerifiedImage> ChassisManager::verified(const std::string& image) const {
  return issu::verifyStoreEntry(options_.image_dir, image, key_, issu::Component::kRpd);
}

Status ChassisManager::start() {
  ASSIGN_OR_RETURN(key_, issu::loadPublicKey(options_.pubkey_path));
  if (!options_.metrics_bind.empty()) {
    ASSIGN_OR_RETURN(metrics_, ChassisMetrics::start(options_.metrics_bind, options_.version));
    logEvent("CHASSIS", Severity::kNotice, "METRICS",
             "Prometheus metrics on " + options_.metrics_bind + " (port " +
                 std::to_string(metrics_->port()) + ") at /metrics");
  }
  std::filesystem::create_directories(options_.state_dir + "/rp0");
  std::filesystem::create_directories(options_.state_dir + "/rp1");
  if (options_.fault) faults_.arm(*options_.fault);
  // Two copies, written one after the other: a corrupted primary is recovered exactly from the
  // backup. A bad copy is set aside (never half-used) for inspection.
  std::optional<IssuRecord> loaded;
  TwoCopyLoad load = readTwoCopies(statePath(), [&](const std::string& text) {
    auto record = IssuRecord::fromJson(nlohmann::json::parse(text, nullptr, false));
    if (record.isOk()) loaded = *record;
    return record.status();
  });
  for (const auto& why : load.set_aside) {
    logEvent("ISSU", Severity::kError, "STATE_FILE_CORRUPT", why);
    record_lost_ = true;
  }
  if (loaded) {
    record_lost_ = false;
    fsm_ = IssuFsm(*loaded);
  }
  IssuRecord r = fsm_.record();
  if (r.boot[0].empty() || r.boot[1].empty()) {
    if (options_.initial_image.empty()) {
      return Status::invalidArgument("no ISSU record yet: give --initial-image");
    }
    r.original_image = r.boot[0] = r.boot[1] = options_.initial_image;
    fsm_ = IssuFsm(r);
    // A lost record is rebuilt from what the RPs run, once that is known (poll).
    if (!record_lost_) RETURN_IF_ERROR(persist());
  }
  // The slot that should be active: the new image's slot once runversion switched over.
  const int active = fsm_.expectedActiveSlot();
  active_slot_ = active;
  const bool adopted[2] = {adoptSlot(0), adoptSlot(1)};
  for (int slot : {active, 1 - active}) {
    if (adopted[slot]) continue;
    // Never start an active beside an rpd that survived: it may be the active, holding the only
    // copy of the state (if it is a lone standby, ensureAnActive makes an active after a while).
    RETURN_IF_ERROR(startSlot(slot, r.boot[slot], slot == active && !adopted[1 - slot]));
  }
  recover_by_ms_ = loop_.clock().nowMs() + 2000;
  poll_timer_ = loop_.addTimer(
      std::min(options_.poll_interval_ms, options_.busy_poll_interval_ms), [this] { tick(); },
      true);
  return Status::ok();
}

void ChassisManager::tick() {
  const IssuStep step = fsm_.record().step;
  const bool waiting = step == IssuStep::kStandbyReloading || step == IssuStep::kSwitchingOver ||
                       step == IssuStep::kPeerSyncing;
  const int64_t now = loop_.clock().nowMs();
  if (now - last_poll_ms_ <
      (waiting ? options_.busy_poll_interval_ms : options_.poll_interval_ms)) {
    return;
  }
  last_poll_ms_ = now;
  poll();
}

void ChassisManager::slowPoll() {
  // BGP and the FIB once a second: neither is part of the 50 ms poll. The FIB count is also
  // what `show issu state` and gNMI report (fleet health gates), so it is read with or without
  // a metrics endpoint. An ask still unanswered is not repeated.
  const int64_t now = loop_.clock().nowMs();
  if (now < next_slow_poll_ms_) return;
  next_slow_poll_ms_ = now + 1000;
  Slot& active = slots_[active_slot_];
  if (metrics_ && active.rpd->running() && active.slow_client->inFlight() == 0) {
    active.slow_client->request({{"cmd", "show-bgp-summary"}}, 500,
                                [this](Result<nlohmann::json> r) {
                                  if (metrics_ && r.isOk() && r->value("ok", false)) {
                                    metrics_->setBgp((*r)["bgp"]);
                                  }
                                });
  }
  if (fwdd_client_ && fwdd_client_->inFlight() == 0) {
    fwdd_client_->request({{"cmd", "show-fib"}}, 500, [this](Result<nlohmann::json> fib) {
      last_fib_ = fib.isOk() && fib->value("ok", false) ? *fib : nlohmann::json();
      if (metrics_ && !last_fib_.is_null()) metrics_->setFib(last_fib_);
    });
  }
}

bool ChassisManager::adoptSlot(int slot) {
  Slot& s = slots_[slot];
  if (!s.rpd->adopt()) return false;
  s.image = s.rpd->label();
  s.manifest.reset();  // verified when first needed
  logEvent("CHASSIS", Severity::kNotice, "RP_ADOPT",
           "slot " + std::to_string(slot) + " keeps running " + s.image + " (pid " +
               std::to_string(s.rpd->pid()) + ") across the chassis manager restart");
  return true;
}

std::string ChassisManager::statePath() const { return options_.state_dir + "/issu.json"; }

Status ChassisManager::persist() {
  return writeTwoCopies(statePath(), fsm_.record().toJson().dump(2) + "\n");
}

void ChassisManager::installFaultPoint(std::string_view point, const std::string& record_path,
                                       const std::function<void()>& kill_fwdd) {
  doFault(point, record_path, kill_fwdd);
}

void ChassisManager::doFault(std::string_view point, const std::string& record_path,
                             const std::function<void()>& kill_fwdd) {
  auto action = faults_.hit(point);
  if (!action) return;
  // Whether the RIB has a second copy right now (the peer of the active answers STANDBY HOT):
  // a test needs it to tell a lost single copy from a lost acknowledged change.
  const bool standby_holds_state = rfStateNow(1 - active_slot_) == kStandbyHot;
  logEvent("CHASSIS", Severity::kWarning, "FAULT_INJECTED",
           std::string(point) + ": " + std::string(faultActionName(*action)) + " in " +
               std::string(issuStateName(fsm_.record().state)) +
               (standby_holds_state ? "" : " (the standby holds no copy of the state)"));
  auto kill_slot = [&](int slot) { slots_[slot].rpd->kill(); };
  switch (*action) {
    case FaultAction::kKillActive:
      return kill_slot(active_slot_);
    case FaultAction::kKillStandby:
      return kill_slot(1 - active_slot_);
    case FaultAction::kKillBoth:
      kill_slot(0);
      return kill_slot(1);
    case FaultAction::kKillFwdd:
      if (kill_fwdd) kill_fwdd();
      return;
    case FaultAction::kCorruptBoth:
      (void)writeFileAtomic(record_path + ".bak", "{\"format\": 1, \"sta");
      [[fallthrough]];
    case FaultAction::kCorruptState:
      (void)writeFileAtomic(record_path, "{\"format\": 1, \"state\": \"Ru");
      [[fallthrough]];
    case FaultAction::kKillChassisd:
      ::kill(::getpid(), SIGKILL);
      return;
  }
}

Status ChassisManager::startSlot(int slot, const std::string& image, bool active,
                                 std::optional<issu::VerifiedImage> pre) {
  if (!pre || pre->dir != options_.image_dir + "/" + image) {
    ASSIGN_OR_RETURN(issu::VerifiedImage v, verified(image));
    pre = std::move(v);
  }
  const issu::VerifiedImage& img = *pre;
  std::string dir = options_.state_dir + "/rp" + std::to_string(slot);
  std::vector<std::string> argv = {img.rpdPath(),         "--slot",
                                   std::to_string(slot),  active ? "--active" : "--standby",
                                   "--state-dir",         dir,
                                   "--checkpoint-socket", options_.state_dir + "/checkpoint.sock",
                                   "--control",           rpControlSocket(slot),
                                   "--software-version",  img.manifest.version.toString()};
  argv.insert(argv.end(), options_.rpd_args.begin(), options_.rpd_args.end());
  Slot& s = slots_[slot];
  RETURN_IF_ERROR(
      s.rpd->start(argv, options_.state_dir + "/rp" + std::to_string(slot) + ".log", image));
  s.image = image;
  s.manifest = img.manifest;
  forgetSlot(slot);
  if (slot != active_slot_) standby_hot_ = standby_rpr_ = false;  // a new standby starts cold
  logEvent("CHASSIS", Severity::kNotice, "RP_SPAWN",
           "slot " + std::to_string(slot) + " starts " + image + " (" +
               img.manifest.version.toString() + ") as " + (active ? "active" : "standby") +
               ", pid " + std::to_string(s.rpd->pid()));
  return Status::ok();
}

void ChassisManager::stopSlot(int slot) {
  slots_[slot].rpd->stop();  // a reload still waiting for the old rpd's exit is called off
  endReload(slot);
  forgetSlot(slot);
}

void ChassisManager::endReload(int slot) {
  Slot& s = slots_[slot];
  if (!s.reload) return;
  auto answers = std::move(s.reload->answers);
  s.reload.reset();  // a check still running is waited for, its result dropped
  for (auto& answer : answers) answer();
}

void ChassisManager::reloadSlot(int slot, const std::string& image) {
  Slot& s = slots_[slot];
  standby_hot_ = standby_rpr_ = false;  // a new standby starts cold
  // A reload asked while one is under way (an abort right after loadversion) changes its
  // image: the old rpd is already on its way out, and the answers waiting go with the start.
  const bool under_way = s.reload != nullptr;
  if (!under_way) {
    forgetSlot(slot);  // an answer in flight from the old rpd must not count for the new one
    s.reload = std::make_unique<Reload>();
    s.reload->previous = s.image;
    s.reload->id = ++reload_ids_;
  }
  Reload& r = *s.reload;
  r.image = s.image = image;
  r.check.reset();  // another image's check: waited for, its result dropped
  r.verified.reset();
  if (target_verified_ && target_verified_->dir == options_.image_dir + "/" + image) {
    r.verified = std::exchange(target_verified_, std::nullopt);
  } else {
    auto out = std::make_shared<std::optional<Result<issu::VerifiedImage>>>();
    r.check = event::BackgroundTask::start(
        loop_,
        [dir = options_.image_dir, key = key_, image, out] {
          *out = issu::verifyStoreEntry(dir, image, key, issu::Component::kRpd);
        },
        [this, slot, out] {
          slots_[slot].reload->verified = std::move(**out);
          continueReload(slot);
        });
  }
  if (under_way) return continueReload(slot);
  // The view is a poll old: the RP to reload may have just taken over from a failed active.
  // Ask both now (each on a connection of its own: a hung RP's timeout fails nothing else);
  // never reload the active, nor a standby whose active does not answer as active — it may be
  // the last copy of the state, about to take over.
  auto rf = std::make_shared<std::array<int, 2>>(std::array<int, 2>{-1, -1});
  for (int x : {slot, 1 - slot}) {
    slots_[x].check_client->request(
        {{"cmd", "show-redundancy"}}, 500,
        [this, slot, x, rf, id = r.id](Result<nlohmann::json> answer) {
          (*rf)[x] = answer.isOk() && answer->value("ok", false) ? rfStateIn(*answer) : 0;
          Slot& s = slots_[slot];
          if ((*rf)[slot] < 0 || (*rf)[1 - slot] < 0 || !s.reload || s.reload->id != id) return;
          if (Status refused = reloadRefusal(slot, (*rf)[slot], (*rf)[1 - slot]); !refused.isOk()) {
            logEvent("CHASSIS", Severity::kWarning, "RELOAD_REFUSED", refused.message());
            standby_hot_ = standby_rpr_ = false;
            s.image = s.reload->previous;
            return endReload(slot);
          }
          s.rpd->terminate(kStopGraceMs, [this, slot] {
            slots_[slot].reload->exited = true;
            continueReload(slot);
          });
        });
  }
}

Status ChassisManager::reloadRefusal(int slot, int rf_state, int peer_rf_state) const {
  if (rf_state >= kActiveFast) {
    // The next poll sees the new active and tells the procedure (an unplanned switchover);
    // setting active_slot_ here would hide it.
    return Status::failedPrecondition("slot " + std::to_string(slot) +
                                      " is the active RP now; not reloading it");
  }
  if (peer_rf_state < kActiveFast) {
    return Status::failedPrecondition("slot " + std::to_string(1 - slot) +
                                      " does not answer as the active RP; not reloading slot " +
                                      std::to_string(slot) +
                                      ", which may hold the only copy of the state");
  }
  return Status::ok();
}

void ChassisManager::continueReload(int slot) {
  Slot& s = slots_[slot];
  Reload& r = *s.reload;
  if (!r.exited || !r.verified) return;
  faultPoint("reload-stopped");
  Status st = r.verified->isOk() ? startSlot(slot, r.image, false, std::move(**r.verified))
                                 : r.verified->status();
  if (!st.isOk()) {
    // Nothing runs in the slot: it shows its old image again, so the procedure asks anew.
    s.image = r.previous;
    logEvent("CHASSIS", Severity::kError, "RP_RELOAD_FAILED", st.message());
  }
  faultPoint("reload-started");
  endReload(slot);
}

void ChassisManager::onSlotExit(int slot, int status) {
  Slot& s = slots_[slot];
  logEvent("CHASSIS", Severity::kWarning, "RP_EXIT",
           "slot " + std::to_string(slot) + " rpd exited (" + describeExit(status) +
               "); restarting it as standby");
  forgetSlot(slot);
  if (slot != active_slot_) standby_hot_ = standby_rpr_ = false;
  ++s.restarts;
  // Back off on repeated crashes: 50 ms, doubling, at most 2 s.
  int64_t delay = std::min<int64_t>(2000, 50LL << std::min(s.restarts - 1, 6));
  s.restart_after_ms = loop_.clock().nowMs() + delay;
}

SystemView ChassisManager::view() const {
  SystemView v;
  v.active_slot = active_slot_;
  v.standby_hot = standby_hot_;
  v.standby_rpr = standby_rpr_;
  v.image[0] = slots_[0].image;
  v.image[1] = slots_[1].image;
  return v;
}

void ChassisManager::poll() {
  if (round_outstanding_ > 0) return;
  std::vector<int> ask;
  for (int slot = 0; slot < 2; ++slot) {
    Slot& s = slots_[slot];
    if (s.reload) continue;  // its old rpd is on its way out: nothing to ask
    if (!s.rpd->running()) {
      if (s.restart_after_ms != 0 && loop_.clock().nowMs() >= s.restart_after_ms) {
        s.restart_after_ms = 0;
        Status st = startSlot(slot, fsm_.record().boot[slot], false);
        if (!st.isOk()) logEvent("CHASSIS", Severity::kError, "RP_SPAWN_FAILED", st.message());
      }
      continue;
    }
    ask.push_back(slot);
  }
  if (ask.empty()) return evaluate();
  round_outstanding_ = ask.size();
  for (int slot : ask) {
    const uint64_t generation = slots_[slot].generation;
    slots_[slot].poll_client->request(
        {{"cmd", "show-redundancy"}}, 500, [this, slot, generation](Result<nlohmann::json> answer) {
          Slot& s = slots_[slot];
          if (s.generation == generation) {
            s.status = answer.isOk() && answer->value("ok", false) ? *answer : nlohmann::json();
            s.rf_state = rfStateIn(s.status);
          }
          if (--round_outstanding_ == 0) evaluate();
        });
  }
}

void ChassisManager::evaluate() {
  int prev_active = active_slot_;
  if (slots_[0].rf_state == kActive && slots_[1].rf_state != kActive) active_slot_ = 0;
  if (slots_[1].rf_state == kActive && slots_[0].rf_state != kActive) active_slot_ = 1;
  const Slot& standby = slots_[1 - active_slot_];
  standby_hot_ = standby.rf_state == kStandbyHot;
  // An Incompatible pair negotiates RPR: the standby stays STANDBY COLD, ready as it is.
  standby_rpr_ = standby.rf_state == kStandbyCold && standby.status.is_object() &&
                 standby.status.value("redundancy_mode_operational", "") ==
                     redundancy::modeName(redundancy::Mode::kRpr);
  ensureAnActive();
  SystemView v = view();
  if (recovering_ && (standby_hot_ || standby_rpr_ || loop_.clock().nowMs() >= recover_by_ms_)) {
    recovering_ = false;
    if (record_lost_) {
      // Both copies of the record are unreadable: what the procedure was doing is unknown.
      // Settle on what the active runs (no switchover, forwarding untouched); the standby is
      // reloaded with it if it differs.
      record_lost_ = false;
      fsm_ = IssuFsm(IssuFsm::rebuild(v));
      logEvent("ISSU", Severity::kError, "STATE_REBUILT",
               "ISSU state lost; both slots now boot " + fsm_.record().boot[0] +
                   ", the image of the active slot " + std::to_string(v.active_slot));
      if (Status st = persist(); !st.isOk()) {
        logEvent("ISSU", Severity::kError, "PERSIST_FAILED", st.message());
      }
    }
    IssuResult r = fsm_.recover(v);
    if (!r.actions.empty()) {
      logEvent("ISSU", Severity::kNotice, "ISSU_RECOVER",
               "resuming the ISSU procedure in " + std::string(issuStateName(fsm_.record().state)));
    }
    apply(r, nullptr);
    v = view();
  }
  if (active_slot_ != prev_active) {
    // Planned: chassisd asked for it (the ISSU procedure), or the new active says it was asked
    // (a CLI or gNOI switchover goes to the active RP directly) — not an active that failed.
    const std::string reason = slots_[active_slot_].status.is_object()
                                   ? slots_[active_slot_].status.value("last_switchover_reason", "")
                                   : std::string();
    const bool planned =
        switchover_asked_ms_ != 0 || reason == "user initiated" || reason == "user forced";
    ++(planned ? switchovers_.planned : switchovers_.unplanned);
    switchovers_.last_ms = wallMs();
    switchovers_.last_planned = planned;
    switchovers_.last_reason = reason.empty() ? (planned ? "user initiated" : "not known") : reason;
    if (metrics_) {
      // How long a switchover took is known only for one chassisd asked for.
      metrics_->switchover(planned, switchover_asked_ms_ == 0
                                        ? -1.0
                                        : (loop_.clock().nowMs() - switchover_asked_ms_) / 1000.0);
    }
    switchover_asked_ms_ = 0;
    apply(fsm_.onSwitchoverDone(v), nullptr);
  }
  if (metrics_) {
    for (int slot = 0; slot < 2; ++slot) {
      metrics_->setRp(slot, slots_[slot].rf_state, slots_[slot].status);
    }
  }
  slowPoll();
  if (standby_hot_ || standby_rpr_) {
    apply(fsm_.onStandbyReady(1 - active_slot_, slots_[1 - active_slot_].image, view()), nullptr);
  }
  apply(fsm_.onTick(view(), wallMs()), nullptr);
}

void ChassisManager::ensureAnActive() {
  // Both RPs died together and came back as standbys: a standby takes over only from an active
  // it was synced with, so neither ever would. Only answers count as evidence — an RP that does
  // not answer may be a busy active, and restarting it would make two.
  bool active_seen = false, all_answered = true;
  for (const Slot& s : slots_) {
    active_seen = active_seen || s.rf_state >= kActiveFast;
    all_answered = all_answered && (!s.rpd->running() || s.rf_state > 0);
  }
  const int64_t now = loop_.clock().nowMs();
  if (active_seen || !all_answered) {
    no_active_since_ms_ = 0;
    return;
  }
  if (no_active_since_ms_ == 0) no_active_since_ms_ = now;
  if (now - no_active_since_ms_ < kNoActiveMs) return;
  no_active_since_ms_ = 0;
  const int slot = fsm_.expectedActiveSlot();
  logEvent("CHASSIS", Severity::kError, "NO_ACTIVE_RP",
           "no RP has been active for " + std::to_string(kNoActiveMs) + " ms; restarting slot " +
               std::to_string(slot) + " as active on " + fsm_.record().boot[slot] +
               " and the other as its standby");
  // Both, not one: a standby whose peer stops takes over (cold) — two would claim activity.
  if (Status st = restartBoth(slot); !st.isOk()) {
    logEvent("CHASSIS", Severity::kError, "RP_SPAWN_FAILED", st.message());
  }
}

Status ChassisManager::restartBoth(int active) {
  stopSlot(1 - active);
  stopSlot(active);
  active_slot_ = active;
  standby_hot_ = standby_rpr_ = false;
  Status result = Status::ok();
  for (int slot : {active, 1 - active}) {
    Status st = startSlot(slot, fsm_.record().boot[slot], slot == active);
    if (!st.isOk() && result.isOk()) result = st;
  }
  return result;
}

nlohmann::json ChassisManager::pollRp(int slot) const {
  if (!slots_[slot].rpd->running()) return nullptr;
  auto r = control::controlRequest(rpControlSocket(slot), {{"cmd", "show-redundancy"}}, 500);
  return r.isOk() && r->value("ok", false) ? *r : nlohmann::json();
}

int ChassisManager::rfStateIn(nlohmann::json& status) {
  return status.is_object() ? status["my_state"].value("number", 0) : 0;
}

int ChassisManager::rfStateNow(int slot) const {
  nlohmann::json status = pollRp(slot);
  return rfStateIn(status);
}

void ChassisManager::apply(const IssuResult& result, const Answer& done) {
  if (!result.accepted) {
    if (done) done(false, result.message);
    return;
  }
  IssuRecord before = fsm_.record();
  for (const IssuAction& a : result.actions) {
    switch (a.kind) {
      case IssuAction::kPersist:
        faultPoint("persist-before");
        if (Status s = persist(); !s.isOk()) {
          // Nothing may take effect unrecorded: undo the transition and refuse.
          fsm_ = IssuFsm(before);
          logEvent("ISSU", Severity::kError, "PERSIST_FAILED", s.message());
          if (done) done(false, "% cannot record the ISSU state: " + s.message());
          return;
        }
        faultPoint("persist-after");
        break;
      case IssuAction::kReloadSlot:
        reloadSlot(a.slot, a.image);
        break;
      case IssuAction::kSwitchover: {
        faultPoint("switchover-before");
        switchover_asked_ms_ = loop_.clock().nowMs();
        // Not waited for: the active answers once its handover is done (tens of ms at a full
        // table), and chassisd answers everyone meanwhile. The polls see the new active.
        slots_[active_slot_].command_client->request(
            {{"cmd", "force-switchover"}}, 10000, [this](Result<nlohmann::json> r) {
              if (!r.isOk() || !r->value("ok", false)) {
                std::string why =
                    r.isOk() ? r->value("error", std::string("refused")) : r.status().message();
                logEvent("ISSU", Severity::kError, "SWITCHOVER_FAILED", why);
              }
              faultPoint("switchover-after");
            });
        break;
      }
      case IssuAction::kWarn: {
        // The FSM words its warnings as IOS messages ("%ISSU-4-MNEMONIC: text"): log them
        // under their own mnemonic.
        std::string mnemonic = "ISSU_WARNING", text = a.text;
        const size_t colon = text.find(": ");
        if (text.rfind("%ISSU-4-", 0) == 0 && colon != std::string::npos) {
          mnemonic = text.substr(8, colon - 8);
          text = text.substr(colon + 2);
        }
        logEvent("ISSU", Severity::kWarning, mnemonic, text);
        break;
      }
    }
  }
  if (!result.message.empty()) {
    logEvent("ISSU", Severity::kNotice, "ISSU_STATE",
             std::string(issuStateName(fsm_.record().state)) + ": " + result.message);
    // The last line of a multi-line answer says what happened.
    std::string line = result.message.substr(result.message.rfind('\n') + 1);
    history_.push_back(
        {++history_seq_, wallMs(), std::string(issuStateName(fsm_.record().state)), line});
    if (history_.size() > kHistoryLength) history_.pop_front();
  }
  if (metrics_) metrics_->setIssu(fsm_.record(), fsm_.rollbackRemainingSeconds(wallMs()));
  if (!done) return;
  // A step that reloads a standby answers once the new rpd runs (and is recorded, so a chassisd
  // restarted after the answer adopts it); the loop serves everyone else meanwhile.
  for (Slot& s : slots_) {
    if (s.reload) {
      s.reload->answers.push_back([done, message = result.message] { done(true, message); });
      return;
    }
  }
  done(true, result.message);
}

std::optional<std::string> ChassisManager::refuseTarget(TargetCheck& check) {
  target_verified_.reset();
  if (!check.target->isOk()) return "% " + check.target->status().message();
  Slot& active = slots_[active_slot_];
  if (!active.manifest) {
    // An adopted rpd's image, verified when first needed: with the target when it was the
    // active's then, here otherwise (a switchover happened meanwhile).
    Result<issu::VerifiedImage> running = check.running && active.image == check.running_image
                                              ? std::move(*check.running)
                                              : verified(active.image);
    if (!running.isOk()) return "% running image: " + running.status().message();
    active.manifest = running->manifest;
  }
  auto violations = issu::checkVersionPolicy(*active.manifest, (*check.target)->manifest);
  if (violations.empty()) {
    target_verified_ = std::move(**check.target);
    return std::nullopt;
  }
  std::string msg = "% ISSU to " + check.target_image + " refused:";
  for (const auto& v : violations) {
    msg += " [" + std::string(issu::policyRuleName(v.rule)) + "] " + v.reason + ";";
  }
  msg.pop_back();
  return msg;
}

void ChassisManager::applyToCheckedTarget(const std::string& image,
                                          std::function<IssuResult()> step, Answer done) {
  auto check = std::make_shared<TargetCheck>();
  check->target_image = image;
  if (!slots_[active_slot_].manifest) check->running_image = slots_[active_slot_].image;
  std::erase_if(target_checks_, [](const auto& t) { return t->finished(); });
  target_checks_.push_back(event::BackgroundTask::start(
      loop_,
      [dir = options_.image_dir, key = key_, check] {
        check->target =
            issu::verifyStoreEntry(dir, check->target_image, key, issu::Component::kRpd);
        if (!check->running_image.empty()) {
          check->running =
              issu::verifyStoreEntry(dir, check->running_image, key, issu::Component::kRpd);
        }
      },
      [this, check, step = std::move(step), done = std::move(done)] {
        if (auto refusal = refuseTarget(*check)) return done(false, *refusal);
        apply(step(), done);
        target_verified_.reset();
      }));
}

void ChassisManager::loadVersion(const std::string& image, Answer done) {
  applyToCheckedTarget(
      image, [this, image] { return fsm_.loadVersion(image, view(), wallMs()); }, std::move(done));
}

void ChassisManager::changeVersion(const std::string& image, bool quick, Answer done) {
  const ChangeVersionMode mode = quick ? ChangeVersionMode::kQuick : ChangeVersionMode::kFull;
  applyToCheckedTarget(
      image, [this, image, mode] { return fsm_.changeVersion(image, mode, view(), wallMs()); },
      std::move(done));
}

void ChassisManager::runVersion(Answer done) { apply(fsm_.runVersion(view(), wallMs()), done); }
void ChassisManager::runVersionAndCommit(Answer done) {
  apply(fsm_.runVersionAndCommit(view(), wallMs()), done);
}

void ChassisManager::reloadAll(Answer done) {
  if (fsm_.record().state != IssuState::kInit) {
    return done(false, wrongStateMessage(fsm_.record().state, "a reload of both RPs", "init"));
  }
  logEvent("CHASSIS", Severity::kWarning, "RELOAD", "reloading both RPs (cold)");
  if (Status st = restartBoth(fsm_.expectedActiveSlot()); !st.isOk()) {
    return done(false, "% " + st.message());
  }
  done(true, "Reloading both RPs");
}

void ChassisManager::acceptVersion(Answer done) { apply(fsm_.acceptVersion(), done); }
void ChassisManager::commitVersion(Answer done) { apply(fsm_.commitVersion(view()), done); }
void ChassisManager::abortVersion(Answer done) { apply(fsm_.abortVersion(view()), done); }
void ChassisManager::setRollbackTimer(int64_t seconds, Answer done) {
  apply(fsm_.setRollbackTimer(seconds), done);
}

nlohmann::json ChassisManager::issuStatus() const {
  nlohmann::json slots = nlohmann::json::array();
  for (int s = 0; s < 2; ++s) {
    slots.push_back({{"slot", s},
                     {"pid", slotPid(s)},
                     {"image", slots_[s].image},
                     // Its signed version as verified when this chassisd started it ("" for an
                     // rpd adopted across a restart, until it is verified).
                     {"version", slots_[s].manifest ? slots_[s].manifest->version.toString() : ""},
                     {"boot", fsm_.record().boot[s]},
                     {"rf_state", slots_[s].rf_state},
                     {"role", slots_[s].rf_state >= 9   ? "Active"
                              : slots_[s].rf_state >= 4 ? "Standby"
                                                        : "Down"},
                     {"control_socket", rpControlSocket(s)}});
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& e : history_) {
    history.push_back(
        {{"seq", e.seq}, {"time_ms", e.time_ms}, {"state", e.state}, {"event", e.event}});
  }
  auto remaining = fsm_.rollbackRemainingSeconds(wallMs());
  return {
      {"ok", true},
      {"issu_state", issuStateName(fsm_.record().state)},
      {"record", fsm_.record().toJson()},
      {"active_slot", active_slot_},
      {"standby_hot", standby_hot_},
      {"standby_rpr", standby_rpr_},
      {"now_ms", wallMs()},
      {"metrics_port", metrics_ ? nlohmann::json(metrics_->port()) : nlohmann::json()},
      {"rollback_remaining_s", remaining ? nlohmann::json(*remaining) : nlohmann::json()},
      {"slots", std::move(slots)},
      {"fib", last_fib_.is_null()
                  ? nlohmann::json()
                  : nlohmann::json{{"routes", last_fib_.value("routes", 0)},
                                   {"replaying", last_fib_.value("replaying", false)}}},
      {"switchovers",
       {{"planned", switchovers_.planned},
        {"unplanned", switchovers_.unplanned},
        {"last_ms", switchovers_.last_ms ? nlohmann::json(switchovers_.last_ms) : nlohmann::json()},
        {"last_planned", switchovers_.last_planned},
        {"last_reason",
         switchovers_.last_ms == 0 ? nlohmann::json() : nlohmann::json(switchovers_.last_reason)}}},
      {"event_loop", control::loopStatsJson(loop_.stats())},
      {"history", std::move(history)}};
}

}  // namespace hitless::chassis
