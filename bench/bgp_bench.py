#!/usr/bin/env python3
"""BGP convergence: N prefixes announced by a BIRD 2 peer, time until all are in the router
namespace's kernel FIB — through hitless (fwdd + an rpd pair in SSO, the standby getting every
change by checkpoint) and, in the same run and the same topology, through a BIRD 2 router
(its kernel protocol exporting into the same table). Prints one JSON object.

  converge_s       from the router's start (announcer already loaded and waiting) until the
                   kernel holds all N + 1 routes (both routers measured alike: each one's own
                   count of routes the kernel acknowledged — fwdd's, BIRD's kernel protocol's
                   exports — polled every 50 ms, then the kernel's own prefix count checked)
  first_route_s, half_s   when the first route and half of them were in the kernel
  waiting_for_announcer_s  how long, within converge_s, the router had installed every prefix
                   it had received and received nothing more: the announcer's own pauses,
                   polled with the rest every 50 ms; converge_vs_floor_router leaves them out.
                   About 0 now: BIRD 2.0.12 could sleep up to 3 s with its last UPDATE queued
                   (AnnouncerWaker), and each poll now wakes it, for both routers alike
  routes_per_s     N / converge_s
  rpd_rss_bytes_per_route   the active rpd's resident set once converged, per route (an
                            upper bound of what a route costs)
  cpu_s            CPU seconds (user + system) each process used during the run
  nsr_takeover     then the active rpd is killed (SIGKILL) with the standby STANDBY HOT:
                   established_ms is the time from the kill until the standby is the active
                   with the session Established and all N + 1 prefixes, takeover_ms until it
                   also no longer restarts (its scan for stale routes found none; polled every
                   2 ms);
                   peer_kept says the announcer's session never went down (its "since" is
                   unchanged); adopted says the new active logged NSR_ADOPTED
  bulk_to_new_standby_s   the killed rpd restarted as the standby until STANDBY HOT
  fib_replay_s     fwdd killed -9 and restarted over the FIB until reconciled (the replay)
  withdraw_all_s   the announcer shuts its session down: until fwdd and the kernel hold none
  event_loop_longest_turn   per scenario (convergence, switchover_kill9, bulk_sync, fib_replay,
                   withdraw_all), each process's longest event-loop turn and turns over 20 ms
  floor            fwdd alone installing the same N routes through nexthop objects, then
                   deleting them, in the same namespace and run (install_s, delete_s; and
                   fwdd's longest loop turn in each: the kernel's own work per batch);
                   converge_vs_floor and withdraw_vs_floor are hitless's times over them

Usage: bgp_bench.py BUILD_DIR [--routes N] [--quick] [--logs DIR]   (--quick: 100k; --logs: keep
       every process's log there; HITLESS_LOOP_STALL_MS=20 makes them name each long turn)
"""
import json, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fib_bench import Fwdd  # noqa: E402
from redundancy_bench import BIN, QUICK, Pair, request  # noqa: E402

ROUTES = 100_000 if QUICK else 1_000_000
if "--routes" in sys.argv:
    ROUTES = int(sys.argv[sys.argv.index("--routes") + 1])


def prefix(i):
    return f"100.{64 + i // 65536 % 64}.{i // 256 % 256}.{i % 256}/32"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Testbed:
    def __init__(self):
        out = subprocess.run([f"{BIN}/hitless-testbed", "up", "--peer", "--owner-pid",
                              str(os.getpid())], check=True, capture_output=True, text=True).stdout
        self.names = json.loads(out)

    def close(self):
        subprocess.run([f"{BIN}/hitless-testbed", "down", self.names["base"]], check=False)


def start_announcer(tb, d):
    with open(f"{d}/announcer.conf", "w") as f:
        f.write("router id 198.18.3.2;\nprotocol device {}\nprotocol static announce {\n  ipv4;\n")
        f.write("  route 198.19.0.0/24 blackhole;\n")
        for i in range(ROUTES):
            f.write(f"  route {prefix(i)} blackhole;\n")
        f.write("}\nprotocol bgp rtr {\n  local 198.18.3.2 as 65002;\n"
                "  neighbor 198.18.3.1 as 65001;\n  passive on;\n"
                "  ipv4 { import none; export where proto = \"announce\"; "
                "next hop address 198.18.2.2; };\n}\n")
    proc = subprocess.Popen(["ip", "netns", "exec", tb.names["peer"], "bird", "-f", "-c",
                             f"{d}/announcer.conf", "-s", f"{d}/announcer.ctl"],
                            stdout=subprocess.DEVNULL, stderr=open(f"{d}/announcer.err", "w"))
    # Loaded once birdc answers and the static protocol holds every route.
    end = time.monotonic() + 600
    while time.monotonic() < end:
        r = subprocess.run(["birdc", "-s", f"{d}/announcer.ctl", "show", "route", "count"],
                           capture_output=True, text=True)
        if f"{ROUTES + 1} of {ROUTES + 1} routes" in r.stdout:
            proc.waker = AnnouncerWaker(f"{d}/announcer.ctl")
            return proc
        time.sleep(0.5)
    raise RuntimeError("the announcer did not load its routes")


class AnnouncerWaker:
    """BIRD 2.0.12, the announcer, can go to sleep in poll() (3 s at most) with its last UPDATE
    and End-of-RIB still queued: strace shows the 368-byte UPDATE written only when that poll
    timed out, the TCP sockets empty meanwhile. Any input wakes it, so each poll of the router
    under test also sends the announcer a CLI command ("show status") over a connection kept
    open: both routers are measured against an announcer that sends as soon as it can."""

    def __init__(self, ctl):
        import socket
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(ctl)
        self.sock.setblocking(False)

    def poke(self):
        try:
            while self.sock.recv(65536):  # the replies so far: never let them fill the socket
                pass
        except BlockingIOError:
            pass
        self.sock.send(b"show status\n")

    def close(self):
        self.sock.close()


def kernel_prefixes(ns):
    """Prefixes in the namespace's main table, from the kernel's trie statistics. Read once per
    run, before and after: the kernel walks the whole trie to answer (about 100 ms at 1M
    routes), so polling it would slow the router being measured."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/fib_triestat"],
                         capture_output=True, text=True, check=True).stdout
    section = out.split("Main:", 1)[1].split("Local:", 1)[0]
    for line in section.splitlines():
        if line.strip().startswith("Prefixes:"):
            return int(line.split()[1])
    raise RuntimeError("no Prefixes line in fib_triestat")


def announcer_waits(samples):
    """Seconds during which the router held in the kernel every prefix it had received and the
    count received did not move: it was waiting for the announcer. `samples`: (t, received,
    installed) in time order."""
    waited = 0.0
    for (t0, rx0, n0), (t1, rx1, _) in zip(samples, samples[1:]):
        if 0 < rx0 == rx1 <= n0 and rx1 < ROUTES + 1:
            waited += t1 - t0
    return round(waited, 2)


def wait_installed(installed, ns, base, t0, deadline, what, waker):
    """Polls `installed()` — the router's own count of routes the kernel acknowledged, cheap to
    ask — every 50 ms until it reaches ROUTES + 1 (and pokes the announcer as often: see
    AnnouncerWaker), then checks the kernel really holds them. Returns when the first route,
    half of them and all were installed (seconds from t0)."""
    first = half = None
    while time.monotonic() < deadline:
        waker.poke()
        n = installed()
        now = time.monotonic() - t0
        if first is None and n > 0:
            first = now
        if half is None and n >= (ROUTES + 1) // 2:
            half = now
        if n >= ROUTES + 1:
            in_kernel = kernel_prefixes(ns) - base
            if in_kernel < ROUTES + 1:
                raise RuntimeError(f"{what} reports {n} routes installed but the kernel holds "
                                   f"{in_kernel}")
            return {"converge_s": round(now, 2), "first_route_s": round(first, 2),
                    "half_s": round(half, 2)}
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not converge")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_s(pid):
    """User + system CPU seconds a process has used so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except OSError:
        return 0


class Loops:
    """Each process's longest event-loop turn per scenario (its control socket's loop-stats
    window: restarted when a scenario starts, read when it ends)."""

    def __init__(self, sockets):
        self.sockets = sockets  # name -> control socket path, or a callable giving one

    def _ask(self, path):
        try:
            r = request(path, {"cmd": "loop-stats", "reset": True}, 10)
            return r["window"] if r.get("ok") else None
        except OSError:
            return None  # not running (yet, or any more)

    def start(self, *names):
        for n in names:
            self._ask(self.sockets[n])

    def read(self, **roles):
        """roles: label -> process name, e.g. active="rpd1"; answers per label."""
        out = {}
        for label, n in roles.items():
            w = self._ask(self.sockets[n])
            if w:
                out[label] = {"longest_turn_ms": round(w["longest_turn_ms"], 1),
                              "turns_over_20ms": w["turns_over_20ms"], "turns": w["turns"]}
        return out


GATEWAY = "198.18.2.2"  # the announcer's next hop for every route


def run_floor(tb):
    """The kernel floor, measured in the same namespace as both routers: fwdd alone installs the
    same N routes through nexthop objects (an rpd holds them first, so they reach fwdd as one
    replay: first batch at fwdd -> last kernel acknowledgement), then deletes them all (a new
    active with an empty table: fwdd sweeps every route)."""
    d = tempfile.mkdtemp(prefix="hitless-bgp-floor-")
    pair, fwdd = Pair(d), Fwdd(tb, d)
    try:
        common = ["--fib-socket", f"{d}/fib.sock"]
        pair.launcher = ["ip", "netns", "exec", tb.names["rtr"]]
        pair.start(0, "1.1", True, common)
        pair.wait_state(0, 13)
        r = request(pair.ctl(0), {"cmd": "rib-generate", "count": ROUTES, "batch": 10000,
                                  "window": 8, "via": GATEWAY}, 600)
        assert r.get("ok"), r
        loops = Loops({"fwdd": f"{d}/fwdd.ctl"})
        fwdd.start()
        s = fwdd.wait(lambda s: s["sweeps"] >= 1 and not s["replaying"] and s["routes"] == ROUTES)
        install_ms = s["last_replay_ms"]
        # fwdd's own longest turn installing alone: what the kernel's work per batch costs.
        install_turns = loops.read(fwdd="fwdd")
        pair.kill(0)
        with open(f"{d}/s1/epoch", "w") as f:
            f.write("9\n")
        pair.start(1, "1.1", True, common)
        s = fwdd.wait(lambda s: s["writer_slot"] == 1 and s["sweeps"] >= 2 and not s["replaying"])
        assert s["routes"] == 0, s
        return {"install_s": round(install_ms / 1000, 3),
                "delete_s": round(s["last_sweep_ms"] / 1000, 3),
                "event_loop_longest_turn": {"install": install_turns,
                                            "delete": loops.read(fwdd="fwdd")}}
    finally:
        fwdd.kill()
        pair.close()
        subprocess.run(["rm", "-rf", d], check=False)


def run_hitless(tb, d, announcer):
    """Convergence, then the scenarios of issue 21's event-loop goal on the converged router:
    an unplanned switchover (kill -9 of the active: NSR takeover), a bulk sync to a new
    standby, a FIB replay after fwdd is killed -9 and restarted, and the withdrawal of every
    route (the announcer's session shut down)."""
    fw = Fwdd(tb, d)
    fw.start()
    with open(f"{d}/rpd.conf", "w") as f:
        f.write("bgp.asn = 65001\nbgp.router-id = 198.18.3.1\n"
                "bgp.neighbor.198.18.3.2.remote-as = 65002\n"
                "bgp.neighbor.198.18.3.2.connect-retry-ms = 100\n")
    pair = Pair(d)
    loops = Loops({"rpd0": pair.ctl(0), "rpd1": pair.ctl(1), "fwdd": f"{d}/fwdd.ctl"})
    try:
        pair.launcher = ["ip", "netns", "exec", tb.names["rtr"]]
        common = ["--fib-socket", f"{d}/fib.sock", "--config", f"{d}/rpd.conf"]
        # The standby first, so the active checkpoints every change from the start.
        pair.start(1, "1.1", False, common)
        end = time.monotonic() + 30
        while pair.status(1) is None and time.monotonic() < end:  # up: its loop can be asked
            time.sleep(0.01)
        announcer_cpu = cpu_s(announcer.pid)
        base = kernel_prefixes(tb.names["rtr"])  # the connected routes
        loops.start("rpd1", "fwdd")
        t0 = time.monotonic()
        pair.start(0, "1.1", True, common)
        samples = []

        def installed():
            # Routes the kernel holds for this writer: a fresh active holds its replay open until
            # BGP's graceful restart is over (docs/fib-channel.md), and fwdd's stale routes (none
            # here: it starts empty) are the previous writer's.
            s = fw.status() or {}
            n = s.get("routes", 0) - s.get("stale", 0)
            try:
                bgp = request(pair.ctl(0), {"cmd": "show-bgp-summary"}, 5).get("bgp") or {}
                received = bgp["neighbors"][0]["prefixes_received"] if bgp.get("neighbors") else 0
            except OSError:
                received = 0
            samples.append((time.monotonic() - t0, received, n))
            return n

        times = wait_installed(installed, tb.names["rtr"], base, t0, t0 + 600, "hitless",
                               announcer.waker)
        cpu = {"rpd_active": cpu_s(pair.procs[0].pid), "rpd_standby": cpu_s(pair.procs[1].pid),
               "fwdd": cpu_s(fw.proc.pid), "announcer": round(cpu_s(announcer.pid) - announcer_cpu, 2)}
        # An upper bound: the whole resident set (code, buffers, RIB, Adj-RIB-In, PrefixIndex)
        # divided by the routes.
        rss = rss_bytes(pair.procs[0].pid)
        pair.wait_state(1, 8)  # the standby has caught up with every checkpoint
        status = [pair.status(s) for s in (0, 1)]
        standby = status[1]["rib"]["routes"]  # a count, not a dump: never stall the standby
        turns = {"convergence": loops.read(rpd_active="rpd0", rpd_standby="rpd1", fwdd="fwdd")}
        result = {**times, "waiting_for_announcer_s": announcer_waits(samples),
                  "routes_per_s": round(ROUTES / times["converge_s"]),
                  "rpd_rss_bytes": rss, "rpd_rss_bytes_per_route": round(rss / ROUTES),
                  "standby_routes": standby,
                  # Where the burst's CPU went (this box has 2 cores; the kernel's FIB insert
                  # work is in fwdd's system time).
                  "cpu_s": cpu,
                  # A takeover during convergence would mean the active's loop stalled past
                  # the heartbeat budget: the benchmark reports it rather than hiding it.
                  "switchovers": max(s["switchovers"] for s in status if s)}

        loops.start("rpd1", "fwdd")
        result["nsr_takeover"] = kill_active(pair, d)
        turns["switchover_kill9"] = loops.read(rpd_active="rpd1", fwdd="fwdd")

        # rpd 0 comes back as the standby: a bulk sync of the whole table to it.
        loops.start("rpd1", "fwdd")
        t = time.monotonic()
        pair.start(0, "1.1", False, common)
        pair.wait_state(0, 8, 120)
        result["bulk_to_new_standby_s"] = round(time.monotonic() - t, 3)
        turns["bulk_sync"] = loops.read(rpd_active="rpd1", rpd_standby="rpd0", fwdd="fwdd")

        # fwdd killed -9 and restarted over the installed FIB: the active's replay.
        fw.kill()
        loops.start("rpd0", "rpd1")
        t = time.monotonic()
        fw.start()
        fw.wait(lambda s: s["sweeps"] >= 1 and not s["replaying"] and s["routes"] == ROUTES + 1)
        result["fib_replay_s"] = round(time.monotonic() - t, 3)
        turns["fib_replay"] = loops.read(rpd_active="rpd1", rpd_standby="rpd0", fwdd="fwdd")

        # The announcer shuts its session down (a Cease NOTIFICATION: no graceful restart):
        # every route is withdrawn, from the RIB, the standby and the kernel.
        loops.start("rpd0", "rpd1", "fwdd")
        t = time.monotonic()
        subprocess.run(["birdc", "-s", f"{d}/announcer.ctl", "disable", "rtr"], check=True,
                       capture_output=True)
        fw.wait(lambda s: s["routes"] == 0, timeout=300, every=0.01)
        withdraw_s = time.monotonic() - t
        left = kernel_prefixes(tb.names["rtr"]) - base
        if left != 0:
            raise RuntimeError(f"fwdd holds no route but the kernel still has {left}")
        result["withdraw_all_s"] = round(withdraw_s, 3)
        turns["withdraw_all"] = loops.read(rpd_active="rpd1", rpd_standby="rpd0", fwdd="fwdd")
        result["event_loop_longest_turn"] = turns
        return result
    finally:
        pair.close()
        fw.kill()


def announcer_since(d):
    """When the announcer's session came up ("since" of protocol rtr): moves on any flap."""
    out = subprocess.run(["birdc", "-s", f"{d}/announcer.ctl", "show", "protocols", "rtr"],
                         capture_output=True, text=True).stdout
    m = re.search(r"^rtr\s+BGP\s+\S+\s+(\S+)\s+(\S+)\s+(\w+)", out, re.M)
    return (m.group(2), m.group(3)) if m else None


def kill_active(pair, d):
    """kill -9 of the converged active with its standby hot (NSR across a crash, docs/bgp.md)."""
    pair.wait_state(1, 8)
    before = announcer_since(d)
    t0 = time.monotonic()
    pair.kill(0)
    end = t0 + 60
    taken = established = None
    while time.monotonic() < end and taken is None:
        try:
            s = request(pair.ctl(1), {"cmd": "show-bgp-summary"}, 5)
        except OSError:
            s = {}
        bgp = s.get("bgp") if s.get("ok") else None
        if bgp and bgp["neighbors"] and bgp["neighbors"][0]["state"] == "Established" and \
                bgp["neighbors"][0]["prefixes_received"] == ROUTES + 1:
            # The session is the new active's with its whole table; "restarting" ends once the
            # scan of the RIB for stale routes (a piece per loop turn) found none.
            if established is None:
                established = time.monotonic() - t0
            if not bgp["restarting"]:
                taken = time.monotonic() - t0
        if taken is None:
            time.sleep(0.002)
    with open(f"{d}/rp1.log") as f:
        adopted = "NSR_ADOPTED" in f.read()
    after = announcer_since(d)
    return {"takeover_ms": round(taken * 1000) if taken is not None else None,
            "established_ms": round(established * 1000) if established is not None else None,
            "peer_kept": before is not None and before == after and after[1] == "Established",
            "adopted": adopted}


def run_bird_router(tb, d, announcer):
    with open(f"{d}/router.conf", "w") as f:
        f.write("router id 198.18.3.1;\nprotocol device {}\n"
                "protocol kernel kernel1 { ipv4 { export all; }; merge paths on; }\n"
                "protocol bgp peer {\n  local 198.18.3.1 as 65001;\n"
                "  neighbor 198.18.3.2 as 65002;\n"
                # BIRD waits 5 s before its first connect by default; hitless is told to
                # connect at once (connect-retry-ms 100), so BIRD is too.
                "  connect delay time 0;\n"
                "  ipv4 { import all; export none; };\n}\n")
    announcer_cpu = cpu_s(announcer.pid)
    base = kernel_prefixes(tb.names["rtr"])
    t0 = time.monotonic()
    proc = subprocess.Popen(["ip", "netns", "exec", tb.names["rtr"], "bird", "-f", "-c",
                             f"{d}/router.conf", "-s", f"{d}/router.ctl"],
                            stdout=subprocess.DEVNULL, stderr=open(f"{d}/router.err", "w"))
    try:
        def installed():
            # BIRD writes a route to the kernel and reads the answer before it counts the export.
            out = subprocess.run(["birdc", "-s", f"{d}/router.ctl", "show", "protocols", "all",
                                  "kernel1"], capture_output=True, text=True).stdout
            m = re.search(r"(\d+) exported", out)
            return int(m.group(1)) if m else 0

        times = wait_installed(installed, tb.names["rtr"], base, t0, t0 + 900, "the BIRD router",
                               announcer.waker)
        return {**times, "routes_per_s": round(ROUTES / times["converge_s"]),
                "cpu_s": {"bird_router": cpu_s(proc.pid),
                          "announcer": round(cpu_s(announcer.pid) - announcer_cpu, 2)}}
    finally:
        proc.kill()
        proc.wait()


def main():
    # A SIGTERM (a timeout) unwinds through the finally blocks: the testbed is always torn down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    d = tempfile.mkdtemp(prefix="hitless-bgp-bench-")
    tb = Testbed()
    try:
        log(f"bgp bench: loading {ROUTES:,} routes into the announcer (BIRD) ...")
        announcer = start_announcer(tb, d)
        try:
            clean = kernel_prefixes(tb.names["rtr"])
            log("bgp bench: the floor (fwdd alone installs and deletes the same routes) ...")
            floor = run_floor(tb)
            if kernel_prefixes(tb.names["rtr"]) != clean:
                raise RuntimeError("the floor run left routes in the kernel")
            log("bgp bench: hitless (fwdd + rpd pair) ...")
            hitless = run_hitless(tb, d, announcer)
            # Empty the FIB hitless left (fwdd's protocol 200: its nexthop objects, which take
            # the routes naming them along, then any route carrying its gateway) so the BIRD
            # router starts from the same table.
            for what in ("nexthop", "route"):
                subprocess.run(["ip", "-n", tb.names["rtr"], what, "flush", "proto", "200"],
                               check=False, capture_output=True)
            if kernel_prefixes(tb.names["rtr"]) != clean:
                raise RuntimeError("hitless's routes are still in the kernel")
            subprocess.run(["birdc", "-s", f"{d}/announcer.ctl", "enable", "rtr"], check=True,
                           capture_output=True)
            log("bgp bench: BIRD router ...")
            bird = run_bird_router(tb, d, announcer)
        finally:
            announcer.waker.close()
            announcer.kill()
            announcer.wait()
    finally:
        tb.close()
        if "--logs" in sys.argv:
            keep = sys.argv[sys.argv.index("--logs") + 1]
            os.makedirs(keep, exist_ok=True)
            subprocess.run(f"cp {d}/*.log {d}/*.err {keep}/", shell=True, check=False)
        subprocess.run(["rm", "-rf", d], check=False)
    print(json.dumps({"bgp": {
        "routes": ROUTES, "floor": floor, "hitless": hitless, "bird_router": bird,
        "speedup_vs_bird": round(bird["converge_s"] / hitless["converge_s"], 1),
        "converge_vs_floor": round(hitless["converge_s"] / floor["install_s"], 2),
        "converge_vs_floor_router": round((hitless["converge_s"] -
                                           hitless["waiting_for_announcer_s"]) /
                                          floor["install_s"], 2),
        "withdraw_vs_floor": round(hitless["withdraw_all_s"] / floor["delete_s"], 2)}}, indent=2))


if __name__ == "__main__":
    main()
