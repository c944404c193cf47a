// ChassisManager: the chassis of one router — two RP slots, each running the rpd of the image
// its boot variable names, and the ISSU procedure (IssuFsm) that changes those images.
//
// It starts each rpd from a verified image, watches it (pidfd: a death is seen at once) and
// restarts it as standby after a crash, polls both RPs' RF state over their control sockets to
// learn which slot is active and whether the standby is hot, feeds that to the IssuFsm, and
// carries out the FSM's actions in order: persist the ISSU record (crash-consistent), reload a
// slot with an image, ask the active for a planned switchover.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chassis/chassis_metrics.h"
#include "chassis/fault_points.h"
#include "chassis/issu_fsm.h"
#include "chassis/supervised_process.h"
#include "control/control_client.h"
#include "event/background_task.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"
#include "issu/image.h"

namespace hitless::chassis {

struct ChassisOptions {
  std::string state_dir;      // issu.json, per-slot rpd state, sockets, logs
  std::string image_dir;      // verified images: IMAGE_DIR/<name>/{rpd,manifest.json,manifest.sig}
  std::string pubkey_path;    // image signing key
  std::string initial_image;  // boot image of both slots when no ISSU record exists yet
  int64_t poll_interval_ms = 50;
  // While an ISSU step waits on the RPs (a standby reloading or syncing, a switchover): the
  // next step may start as soon as the standby is hot, so chassisd looks more often.
  int64_t busy_poll_interval_ms = 10;
  std::vector<std::string> rpd_args;  // extra arguments for every rpd (timers, ...)
  std::optional<FaultSpec> fault;     // tests only: fail at this point (fault_points.h)
  std::string metrics_bind;           // Prometheus endpoint "ADDR:PORT"; "" for none
  std::string version;                // of this chassis manager, for hitless_build_info
  std::string fwdd_control;           // fwdd's control socket, for hitless_fib_routes
};

class ChassisManager {
 public:
  ChassisManager(event::EventLoop& loop, ChassisOptions options);
  ~ChassisManager();

  Status start();

  // Operator commands; `done` receives the one-line answer (ok=false: refused, nothing changed).
  using Answer = std::function<void(bool ok, std::string message)>;
  void loadVersion(const std::string& image, Answer done);
  // The four steps in one (IssuFsm::changeVersion); `done` answers once it has started.
  void changeVersion(const std::string& image, bool quick, Answer done);
  void runVersion(Answer done);
  void runVersionAndCommit(Answer done);  // IssuFsm::runVersionAndCommit
  // Restarts both RPs from their boot images (gNOI Reboot COLD); only in ISSU state Init. The
  // control plane restarts (BGP sessions reset); fwdd keeps forwarding meanwhile.
  void reloadAll(Answer done);
  void acceptVersion(Answer done);
  void commitVersion(Answer done);
  void abortVersion(Answer done);
  void setRollbackTimer(int64_t seconds, Answer done);

  // A fault point outside the ISSU procedure (the install operations'): counted with the
  // procedure's, and at an install point `corrupt` garbles `record_path`. `kill_fwdd` is the
  // fwdd action.
  void installFaultPoint(std::string_view point, const std::string& record_path,
                         const std::function<void()>& kill_fwdd);

  nlohmann::json issuStatus() const;
  std::string rpControlSocket(int slot) const;
  // The image directories of the rpds running now (each slot's, once if both run the same).
  std::vector<std::string> runningImageDirs() const;

 private:
  // A standby being replaced (reloadSlot): the new rpd starts once the old one has exited and
  // the image is verified (off the loop, unless the command verified it already).
  struct Reload {
    uint64_t id = 0;              // answers to its RF-state checks name it
    std::string image, previous;  // the slot's new image; the one it ran
    bool exited = false;
    std::optional<Result<issu::VerifiedImage>> verified;
    std::unique_ptr<event::BackgroundTask> check;
    std::vector<std::function<void()>> answers;  // the operator's, sent once the rpd starts
  };

  struct Slot {
    std::unique_ptr<SupervisedProcess> rpd;
    std::string image;  // image name it runs
    // Its image's signed manifest, as verified when this chassisd started it (an adopted rpd's
    // is verified when first needed): the version policy compares manifests only.
    std::optional<issu::Manifest> manifest;
    int rf_state = 0;  // last polled RF state number (0: unreachable)
    int64_t restart_after_ms = 0;
    int restarts = 0;
    nlohmann::json status;  // its last show-redundancy answer (null: none)
    // Asynchronous asks of its control socket: the 50 ms redundancy poll, and the slower ones
    // (BGP summary for the metrics) on a connection of their own so they never delay it.
    // The operator's commands (a switchover) on a third, so a poll's timeout never fails one;
    // the RF-state checks before a reload on a fourth.
    std::unique_ptr<control::ControlClient> poll_client, slow_client, command_client, check_client;
    // Changes whenever its rpd is started, stopped or exits: an answer sent by the rpd before
    // is not taken for the new one's.
    uint64_t generation = 0;
    // reloadSlot: the old rpd was asked to stop, the new one is not started yet.
    std::unique_ptr<Reload> reload;
  };

  // What the procedure did, newest last (show issu state --json "history"; changeversion's
  // progress lines). In memory: a restarted chassisd starts a new one, its seq from 1.
  struct HistoryEntry {
    uint64_t seq;
    int64_t time_ms;  // wall clock
    std::string state;
    std::string event;
  };
  static constexpr size_t kHistoryLength = 64;
  static constexpr int kStopGraceMs = 2000;  // SIGTERM to SIGKILL for an rpd being replaced

  SystemView view() const;
  void apply(const IssuResult& result, const Answer& done);
  std::string statePath() const;
  // Writes the record to the state file and then to its backup copy.
  Status persist();
  void faultPoint(std::string_view point) { doFault(point, statePath(), nullptr); }
  void doFault(std::string_view point, const std::string& record_path,
               const std::function<void()>& kill_fwdd);
  // Verifies `image` (unless `pre` is it, verified already) and starts an rpd from it.
  Status startSlot(int slot, const std::string& image, bool active,
                   std::optional<issu::VerifiedImage> pre = std::nullopt);
  void stopSlot(int slot);
  // Replaces a standby's rpd without blocking the loop: both RPs are asked their RF state
  // (reloadRefusal), then the old rpd gets SIGTERM; the image is verified on a thread meanwhile
  // (unless this command verified it: target_verified_); the new rpd starts once it has exited
  // and the image is verified (continueReload). The slot shows `image` at once (IssuFsm: a
  // reload asked shows the goal image; a refused one shows the old image again) and is not
  // polled meanwhile.
  void reloadSlot(int slot, const std::string& image);
  void continueReload(int slot);
  // Why `slot` may not be reloaded, given its RF state and its peer's as they answered now.
  Status reloadRefusal(int slot, int rf_state, int peer_rf_state) const;
  // The reload is over (the new rpd started or failed to, or stopSlot called it off): the
  // answers waiting for it go.
  void endReload(int slot);
  void onSlotExit(int slot, int status);
  // A restarted chassisd adopts the rpds its predecessor left running (forwarding and RP state
  // survive a chassisd crash); returns whether `slot` was adopted.
  bool adoptSlot(int slot);
  pid_t slotPid(int slot) const { return slots_[slot].rpd ? slots_[slot].rpd->pid() : -1; }
  // Every poll interval: restarts what should run and asks both RPs for their status without
  // waiting; evaluate() runs on their answers (each bounded by 500 ms). A round still waiting
  // for an answer makes the next tick skip.
  void tick();  // every busy_poll_interval_ms: polls when due (sooner while a step waits)
  void poll();
  void evaluate();
  // Reads BGP (for the metrics) and fwdd's route count once a second, without waiting.
  void slowPoll();
  // Its rpd is replaced or gone: drop its connections and what it said.
  void forgetSlot(int slot);
  // Makes the slot the procedure wants active an active RP when none has been for a while.
  void ensureAnActive();
  // Stops both RPs and starts them from their boot images, `active` as the active RP. Both
  // start even if one fails; the first failure is returned.
  Status restartBoth(int active);
  // `slot`'s rpd status now (null: not running or no answer in 500 ms), and its RF state number.
  nlohmann::json pollRp(int slot) const;
  int rfStateNow(int slot) const;
  // The RF state number in a show-redundancy answer (0: none, or no answer).
  static int rfStateIn(nlohmann::json& status);
  Result<issu::VerifiedImage> verified(const std::string& image) const;
  // A target image's check, made off the loop: its signature and hashes, and the running
  // image's when the active's manifest is not known yet (an adopted rpd).
  struct TargetCheck {
    std::string target_image, running_image;
    std::optional<Result<issu::VerifiedImage>> target, running;
  };
  // Why the checked target may not be installed over the running image (signature, policy);
  // nullopt if it may, with the verified target kept in target_verified_ for the reload the
  // step asks next, so one operator command hashes the image once.
  std::optional<std::string> refuseTarget(TargetCheck& check);
  // loadversion, changeversion: the target is hashed on a thread (13 MB: about 10 ms of CPU);
  // on the loop, once it is, the policy decides and `step` (the FSM, judging the state of that
  // turn) is applied.
  void applyToCheckedTarget(const std::string& image, std::function<IssuResult()> step,
                            Answer done);

  event::EventLoop& loop_;
  ChassisOptions options_;
  IssuFsm fsm_;
  issu::PublicKey key_;
  std::array<Slot, 2> slots_;
  int active_slot_ = 0;  // as last seen by polling
  bool standby_hot_ = false;
  bool standby_rpr_ = false;  // the standby is STANDBY COLD in RPR (SystemView::standby_rpr)
  event::TimerId poll_timer_ = 0;
  int64_t last_poll_ms_ = 0;
  // By refuseTarget, for this command only: its reload (reloadSlot) takes it.
  std::optional<issu::VerifiedImage> target_verified_;
  std::vector<std::unique_ptr<event::BackgroundTask>> target_checks_;  // under way
  uint64_t reload_ids_ = 0;
  // After a (re)start: run IssuFsm::recover once the RPs' state is known (standby hot, or
  // a bounded wait passed).
  FaultPoints faults_;
  std::unique_ptr<ChassisMetrics> metrics_;
  int64_t switchover_asked_ms_ = 0;
  struct Switchovers {  // seen since this chassisd started (show issu state, gNMI)
    uint64_t planned = 0, unplanned = 0;
    int64_t last_ms = 0;  // wall clock; 0: none yet
    bool last_planned = false;
    std::string last_reason;  // the new active's words (CISCO-RF-MIB): "active unit failed", ...
  } switchovers_;
  size_t round_outstanding_ = 0;  // redundancy polls of this round not answered yet
  std::unique_ptr<control::ControlClient> fwdd_client_;
  int64_t next_slow_poll_ms_ = 0;  // when BGP (for metrics) and the FIB are read next
  nlohmann::json last_fib_;        // fwdd's last show-fib answer (null: none, or no fwdd)
  // Neither copy of the state file could be read: rebuilt from the RPs once they are known.
  bool record_lost_ = false;
  std::deque<HistoryEntry> history_;
  uint64_t history_seq_ = 0;
  bool recovering_ = true;
  int64_t no_active_since_ms_ = 0;
  int64_t recover_by_ms_ = 0;
};

}  // namespace hitless::chassis
