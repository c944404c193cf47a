#!/usr/bin/env python3
"""BGP convergence: N prefixes announced by a BIRD 2 peer, time until all are in the router
namespace's kernel FIB — through hitless (fwdd + an rpd pair in SSO, the standby getting every
change by checkpoint) and, in the same run and the same topology, through a BIRD 2 router
(its kernel protocol exporting into the same table). Prints one JSON object.

  converge_s       from the router's start (announcer already loaded and waiting) until the
                   kernel holds all N + 1 routes
  routes_per_s     N / converge_s
  rpd_rss_bytes_per_route   the active rpd's resident set once converged, per route (an
                            upper bound of what a route costs)

Usage: bgp_bench.py BUILD_DIR [--routes N] [--quick]   (--quick: 100k)
"""
import json, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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
            return proc
        time.sleep(0.5)
    raise RuntimeError("the announcer did not load its routes")


def kernel_count(ns, proto):
    out = subprocess.run(["ip", "-n", ns, "-4", "route", "show", "table", "main", "proto", proto],
                         capture_output=True, text=True).stdout
    return out.count("\n")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def run_hitless(tb, d):
    fw = subprocess.Popen([f"{BIN}/fwdd", "--netns", tb.names["rtr"], "--socket", f"{d}/fib.sock",
                           "--control", f"{d}/fwdd.ctl", "--state-dir", d,
                           "--stale-timeout-ms", "600000"],
                          stdout=subprocess.DEVNULL, stderr=open(f"{d}/fwdd.log", "w"))
    with open(f"{d}/rpd.conf", "w") as f:
        f.write("bgp.asn = 65001\nbgp.router-id = 198.18.3.1\n"
                "bgp.neighbor.198.18.3.2.remote-as = 65002\n"
                "bgp.neighbor.198.18.3.2.connect-retry-ms = 100\n")
    pair = Pair(d)
    try:
        end = time.monotonic() + 30
        while not os.path.exists(f"{d}/fwdd.ctl") and time.monotonic() < end:
            time.sleep(0.01)
        pair.launcher = ["ip", "netns", "exec", tb.names["rtr"]]
        common = ["--fib-socket", f"{d}/fib.sock", "--config", f"{d}/rpd.conf"]
        # The standby first, so the active checkpoints every change from the start.
        pair.start(1, "1.1", False, common)
        t0 = time.monotonic()
        pair.start(0, "1.1", True, common)
        end = t0 + 600
        while time.monotonic() < end:
            s = request(f"{d}/fwdd.ctl", {"cmd": "show-fib"}, 30)
            if s.get("routes") == ROUTES + 1 and not s.get("replaying"):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("hitless did not converge")
        converge = time.monotonic() - t0
        # An upper bound: the whole resident set (code, buffers, RIB, Adj-RIB-In, PrefixIndex)
        # divided by the routes.
        rss = rss_bytes(pair.procs[0].pid)
        status = [pair.status(s) for s in (0, 1)]
        standby = status[1]["rib"]["routes"]  # a count, not a dump: never stall the standby
        return {"converge_s": round(converge, 2), "routes_per_s": round(ROUTES / converge),
                "rpd_rss_bytes": rss, "rpd_rss_bytes_per_route": round(rss / ROUTES),
                "standby_routes": standby,
                # A takeover during convergence would mean the active's loop stalled past the
                # heartbeat budget: the benchmark reports it rather than hiding it.
                "switchovers": max(s["switchovers"] for s in status if s),
                "event_loop": {"active": status[0] and status[0]["event_loop"],
                               "standby": status[1] and status[1]["event_loop"]}}
    finally:
        pair.close()
        fw.kill()
        fw.wait()


def run_bird_router(tb, d):
    with open(f"{d}/router.conf", "w") as f:
        f.write("router id 198.18.3.1;\nprotocol device {}\n"
                "protocol kernel { ipv4 { export all; }; merge paths on; }\n"
                "protocol bgp peer {\n  local 198.18.3.1 as 65001;\n"
                "  neighbor 198.18.3.2 as 65002;\n  ipv4 { import all; export none; };\n}\n")
    t0 = time.monotonic()
    proc = subprocess.Popen(["ip", "netns", "exec", tb.names["rtr"], "bird", "-f", "-c",
                             f"{d}/router.conf", "-s", f"{d}/router.ctl"],
                            stdout=subprocess.DEVNULL, stderr=open(f"{d}/router.err", "w"))
    try:
        end = t0 + 900
        while time.monotonic() < end:
            if kernel_count(tb.names["rtr"], "bird") >= ROUTES + 1:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the BIRD router did not converge")
        converge = time.monotonic() - t0
        return {"converge_s": round(converge, 2), "routes_per_s": round(ROUTES / converge)}
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
            log("bgp bench: hitless (fwdd + rpd pair) ...")
            hitless = run_hitless(tb, d)
            # Empty the FIB hitless left (fwdd's protocol 200) so the BIRD router starts clean.
            subprocess.run(["ip", "-n", tb.names["rtr"], "route", "flush", "proto", "200"],
                           check=False)
            log("bgp bench: BIRD router ...")
            bird = run_bird_router(tb, d)
        finally:
            announcer.kill()
            announcer.wait()
    finally:
        tb.close()
        subprocess.run(["rm", "-rf", d], check=False)
    print(json.dumps({"bgp": {"routes": ROUTES, "hitless": hitless, "bird_router": bird,
                              "speedup_vs_bird": round(bird["converge_s"] / hitless["converge_s"],
                                                       1)}}, indent=2))


if __name__ == "__main__":
    main()
