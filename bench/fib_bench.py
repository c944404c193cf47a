#!/usr/bin/env python3
"""FIB benchmarks with the real kernel in a network namespace; prints one JSON object.

  install   routes/s fwdd installs (from the first batch reaching fwdd until the kernel
            acknowledged the last: fwdd's replay time), 100k and 1M routes
  ip_batch  the same routes with `ip -batch` into a fresh namespace, adds and deletes
  readopt   fwdd killed -9 and restarted over the installed FIB, then the rpd's replay: time
            to reconciled, kernel writes during the replay (goal 0), and the sweep of the 10%
            of routes withdrawn while fwdd was down
  delete    a new active with an empty table: fwdd sweeps every route (deletes/s)

Usage: fib_bench.py BUILD_DIR [--quick] [--nexthop-objects on|off]   (fwdd's option, to compare)
"""
import json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redundancy_bench import BIN, QUICK, Pair, request  # noqa: E402

GATEWAY = "198.18.2.2"
NEXTHOP_OBJECTS = (sys.argv[sys.argv.index("--nexthop-objects") + 1]
                   if "--nexthop-objects" in sys.argv else "on")


def ip_of(i):
    v = 0x64400000 + i  # 100.64.0.0/10, as rpd's rib-generate
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


class Testbed:
    def __init__(self):
        out = subprocess.run([f"{BIN}/hitless-testbed", "up", "--owner-pid", str(os.getpid())],
                             check=True, capture_output=True, text=True).stdout
        self.names = json.loads(out)

    def close(self):
        subprocess.run([f"{BIN}/hitless-testbed", "down", self.names["base"]], check=False)


class Fwdd:
    def __init__(self, tb, d):
        self.tb, self.dir, self.proc = tb, d, None

    def start(self):
        """Starts fwdd and returns once its control socket is there (a restart's old one
        removed first)."""
        ctl = f"{self.dir}/fwdd.ctl"
        if os.path.exists(ctl):
            os.unlink(ctl)
        log = open(f"{self.dir}/fwdd.log", "a")
        self.proc = subprocess.Popen(
            [f"{BIN}/fwdd", "--netns", self.tb.names["rtr"], "--socket", f"{self.dir}/fib.sock",
             "--control", ctl, "--state-dir", self.dir,
             "--stale-timeout-ms", "600000", "--nexthop-objects", NEXTHOP_OBJECTS],
            stdout=log, stderr=log)
        end = time.monotonic() + 30
        while not os.path.exists(ctl) and time.monotonic() < end:
            time.sleep(0.01)

    def status(self):
        try:
            return request(f"{self.dir}/fwdd.ctl", {"cmd": "show-fib"}, 30)
        except OSError:
            return None

    def wait(self, pred, timeout=300, every=0.02):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if s and pred(s):
                return s
            time.sleep(every)
        raise RuntimeError(f"fwdd did not get there in {timeout}s: {self.status()}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def fwdd_figures(n):
    tb = Testbed()
    d = tempfile.mkdtemp(prefix="hitless-fibbench-")
    pair, fwdd = Pair(d), Fwdd(tb, d)
    try:
        sock = f"{d}/fib.sock"
        # The rpd holds the table first; fwdd starting afterwards receives it as one replay.
        pair.start(0, "1.1", True, ["--fib-socket", sock])
        pair.wait_state(0, 13)
        r = request(pair.ctl(0), {"cmd": "rib-generate", "count": n, "batch": 10000,
                                  "window": 8, "via": GATEWAY}, 600)
        assert r.get("ok"), r
        fwdd.start()
        s = fwdd.wait(lambda s: s["sweeps"] >= 1 and not s["replaying"] and s["routes"] == n)
        install = {"routes": n, "ms": s["last_replay_ms"],
                   "routes_per_second": round(n / max(s["last_replay_ms"], 1) * 1000),
                   "kernel_writes": s["kernel_writes"]}

        # fwdd dies; 10% of the table is withdrawn meanwhile (the kernel keeps it); fwdd restarts.
        fwdd.kill()
        withdrawn = n // 10
        for lo in range(0, withdrawn, 20000):  # control requests are limited to 1 MiB a line
            text = "".join(f"del {ip_of(i)}/32\n" for i in range(lo, min(withdrawn, lo + 20000)))
            r = request(pair.ctl(0), {"cmd": "rib-apply", "changes": text}, 600)
            assert r.get("ok"), r
        t0 = time.monotonic()
        fwdd.start()
        s = fwdd.wait(lambda s: s["sweeps"] >= 1 and not s["replaying"])
        reconciled_s = time.monotonic() - t0
        readopt = {"routes": n, "adopted": s["adopted"], "adopt_ms": round(s["adopt_ms"], 1),
                   "to_reconciled_s": round(reconciled_s, 3),
                   "replay_kernel_writes": s["kernel_writes"] - s["swept"],
                   "stale_swept": s["swept"], "sweep_ms": round(s["last_sweep_ms"], 1),
                   "routes_after": s["routes"]}

        # A new active (higher epoch) with an empty table: everything is swept.
        pair.kill(0)
        os.makedirs(f"{d}/s1", exist_ok=True)
        with open(f"{d}/s1/epoch", "w") as f:
            f.write("9\n")
        pair.start(1, "1.1", True, ["--fib-socket", sock])
        s = fwdd.wait(lambda s: s["writer_slot"] == 1 and s["sweeps"] >= 2 and not s["replaying"])
        remaining = n - withdrawn
        delete = {"routes": remaining, "ms": round(s["last_sweep_ms"], 1),
                  "routes_per_second": round(remaining / max(s["last_sweep_ms"], 0.001) * 1000),
                  "routes_after": s["routes"]}
        return install, readopt, delete
    finally:
        fwdd.kill()
        pair.close()
        tb.close()
        shutil.rmtree(d, ignore_errors=True)


def ip_batch(n):
    tb = Testbed()
    d = tempfile.mkdtemp(prefix="hitless-ipbatch-")
    try:
        ns = tb.names["rtr"]  # a fresh router namespace: 198.18.2.0/24 is connected there
        with open(f"{d}/add", "w") as f:
            f.writelines(f"route add {ip_of(i)}/32 via {GATEWAY} proto 201\n" for i in range(n))
        with open(f"{d}/del", "w") as f:
            f.writelines(f"route del {ip_of(i)}/32 via {GATEWAY} proto 201\n" for i in range(n))
        t0 = time.monotonic()
        subprocess.run(["ip", "-n", ns, "-batch", f"{d}/add"], check=True)
        add_s = time.monotonic() - t0
        t0 = time.monotonic()
        subprocess.run(["ip", "-n", ns, "-batch", f"{d}/del"], check=True)
        del_s = time.monotonic() - t0
        return {"routes": n, "add_s": round(add_s, 3), "add_routes_per_second": round(n / add_s),
                "delete_s": round(del_s, 3), "delete_routes_per_second": round(n / del_s)}
    finally:
        tb.close()
        shutil.rmtree(d, ignore_errors=True)


def main():
    sizes = [100_000] if QUICK else [100_000, 1_000_000]
    results = []
    for n in sizes:
        print(f"fib bench: {n} routes through fwdd", file=sys.stderr)
        install, readopt, delete = fwdd_figures(n)
        print(f"fib bench: {n} routes with ip -batch", file=sys.stderr)
        ipb = ip_batch(n)
        results.append({"routes": n, "install": install, "readopt": readopt, "delete": delete,
                        "ip_batch": ipb,
                        "install_vs_ip_batch": round(install["routes_per_second"] /
                                                     ipb["add_routes_per_second"], 1),
                        "delete_vs_ip_batch": round(delete["routes_per_second"] /
                                                    ipb["delete_routes_per_second"], 1)})
    print(json.dumps({"fib": results}, indent=2))


if __name__ == "__main__":
    main()
