#!/usr/bin/env python3
"""Redundancy benchmarks between two real rpd processes; prints one JSON object.

  throughput  incremental checkpoint changes/s (batched), same image and mixed 1.0/1.1: changes
              that replace routes of a 100k table (steady-state churn) and changes that each add
              a route (the table grows: memory is faulted in as it goes)
  lag         acknowledgement lag percentiles at a steady 100k changes/s: changes replacing the
              routes of a loaded 100k table (steady state), and changes each adding a route (the
              table grows during the measurement: fresh memory is faulted in as it goes)
  bulk        fresh standby to STANDBY HOT with 1M routes, digest check included
  switchover  SIGKILL of the active to the standby reporting ACTIVE, N runs

Usage: redundancy_bench.py BUILD_DIR [--quick]
"""
import json, math, os, signal, socket, subprocess, sys, tempfile, time

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "src")
QUICK = "--quick" in sys.argv


def request(path, obj, timeout=120):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall((json.dumps(obj) + "\n").encode())
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    s.close()
    return json.loads(buf.split(b"\n")[0])


class Pair:
    def __init__(self, dirpath):
        self.dir = dirpath
        self.procs = [None, None]
        self.launcher = []  # argv prefix, e.g. ["ip", "netns", "exec", NS]
        os.makedirs(f"{dirpath}/s0", exist_ok=True)
        os.makedirs(f"{dirpath}/s1", exist_ok=True)

    def ctl(self, slot):
        return f"{self.dir}/rp{slot}.ctl"

    def start(self, slot, release, active, extra=()):
        args = [*self.launcher, f"{BIN}/rpd-{release}", "--slot", str(slot), "--active" if active else "--standby",
                "--state-dir", f"{self.dir}/s{slot}", "--checkpoint-socket", f"{self.dir}/ckpt",
                "--control", self.ctl(slot), *extra]
        log = open(f"{self.dir}/rp{slot}.log", "a")
        self.procs[slot] = subprocess.Popen(args, stdout=log, stderr=log)

    def status(self, slot):
        try:
            return request(self.ctl(slot), {"cmd": "show-redundancy"}, 5)
        except OSError:
            return None

    def wait_state(self, slot, number, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status(slot)
            if s and s["my_state"]["number"] == number:
                return s
            time.sleep(0.002)
        raise RuntimeError(f"rp{slot} did not reach state {number}")

    def kill(self, slot):
        p = self.procs[slot]
        if p and p.poll() is None:
            p.kill()
            p.wait()

    def close(self):
        for s in (0, 1):
            self.kill(s)


def pct(values, p):
    """Nearest-rank percentile: the smallest value with at least p of the values at or below it
    (p99 of 100 runs is the 99th, not the largest)."""
    v = sorted(values)
    return v[max(0, math.ceil(p * len(v)) - 1)]


def with_pair(active_rel, standby_rel, fn, extra=()):
    with tempfile.TemporaryDirectory(prefix="hitless-bench-") as d:
        pair = Pair(d)
        try:
            pair.start(0, active_rel, True, extra)
            pair.wait_state(0, 13)
            return fn(pair)
        finally:
            pair.close()


def throughput(active_rel, standby_rel, count, span):
    def run(pair):
        pair.start(1, standby_rel, False)
        pair.wait_state(1, 8)
        r = request(pair.ctl(0), {"cmd": "rib-generate", "count": count, "batch": 1000,
                                  "window": 64, "span": span})
        assert r["ok"] and r["synced"], r
        return {"pair": f"{active_rel}->{standby_rel}",
                "kind": "replace" if span < count else "add",
                "table_routes": span, "changes": count,
                "changes_per_second": round(r["changes_per_second"]),
                "seconds": round(r["seconds"], 3)}
    return with_pair(active_rel, standby_rel, run)


def loop_stats(pair):
    return {("active" if s == 0 else "standby"): pair.status(s)["event_loop"] for s in (0, 1)}


def lag(rate, seconds, table=None):
    """table: replace the routes of a table of that many, loaded first; None: each change adds."""
    def run(pair):
        pair.start(1, "1.1", False)
        pair.wait_state(1, 8)
        request_args = {"cmd": "rib-generate", "count": rate * seconds, "batch": 100,
                        "rate": rate, "window": 1000}
        if table:
            r = request(pair.ctl(0), {"cmd": "rib-generate", "count": table, "batch": 1000})
            assert r["ok"] and r["synced"], r
            request_args["span"] = table
        before = loop_stats(pair)
        r = request(pair.ctl(0), request_args)
        assert r["ok"] and r["synced"], r
        after = loop_stats(pair)
        turns = {side: {"turns_over_1ms": after[side]["turns_over_1ms"] - before[side]["turns_over_1ms"]}
                 for side in after}
        return {"rate": rate, "batch": 100, "kind": "replace" if table else "add",
                "table_routes": table or rate * seconds,
                "achieved_per_second": round(r["changes_per_second"]),
                "ack_lag_us": r["ack_lag_us"], "event_loop_during": turns}
    return with_pair("1.1", "1.1", run)


def bulk(routes):
    def run(pair):
        r = request(pair.ctl(0), {"cmd": "rib-generate", "count": routes, "batch": 10000})
        assert r["ok"], r
        t0 = time.monotonic()
        pair.start(1, "1.1", False)
        s = pair.wait_state(1, 8, 120)
        wall = time.monotonic() - t0
        return {"routes": routes, "session_to_hot_ms": round(s["session_to_hot_ms"], 1),
                "process_start_to_hot_observed_ms": round(wall * 1000, 1),
                "standby_routes": s["rib"]["routes"]}
    return with_pair("1.1", "1.1", run)


def switchover(runs, routes):
    def run(pair):
        request(pair.ctl(0), {"cmd": "rib-generate", "count": routes, "batch": 1000})
        pair.start(1, "1.1", False)
        pair.wait_state(1, 8)
        active, times, detect = 0, [], []
        for _ in range(runs):
            standby = 1 - active
            t_kill = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            pair.kill(active)
            s = pair.wait_state(standby, 13)
            times.append((s["took_over_monotonic_ns"] - t_kill) / 1e6)
            detect.append((s["peer_lost_monotonic_ns"] - t_kill) / 1e6)
            assert s["rib"]["routes"] == routes, s["rib"]
            pair.start(active, "1.1", False)
            pair.wait_state(active, 8)
            active = standby
        return {"runs": runs, "routes": routes,
                "ms": {"p50": round(pct(times, 0.5), 2), "p99": round(pct(times, 0.99), 2),
                       "max": round(max(times), 2)},
                "kill_to_peer_loss_seen_ms": {"p50": round(pct(detect, 0.5), 2),
                                              "p99": round(pct(detect, 0.99), 2)}}
    return with_pair("1.1", "1.1", run)


def main():
    n = 200_000 if QUICK else 2_000_000
    result = {
        "throughput": [throughput(a, "1.1", n, span)
                       for span in (100_000, n) for a in ("1.1", "1.0")],
        "lag_at_100k_per_s": lag(100_000, 1 if QUICK else 3, table=100_000),
        "lag_at_100k_per_s_growing": lag(100_000, 1 if QUICK else 3),
        "bulk": bulk(100_000 if QUICK else 1_000_000),
        "switchover_after_kill9": switchover(10 if QUICK else 100, 10_000),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
