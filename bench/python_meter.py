#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# `import weir` against the CLI, side by side in one run: a capture into a DataFrame
# (a) weir.meter() + to_pandas(), (b) the weir binary to CSV + pandas.read_csv (the path a
# CSV-based tool such as NFStream's to_pandas takes). Wall and CPU seconds (CPU: all
# threads of this process, or the child's user+sys), best of --reps.
#   PYTHONPATH=build/python bench/python_meter.py /dev/shm/wb/bench_500k.pcap [-w 1] [--weir build/tools/weir]
import argparse
import os
import platform
import resource
import subprocess
import tempfile
import time

import pandas as pd

import weir


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("-w", type=int, default=1)
    ap.add_argument("--weir", default="build/tools/weir")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    print(f"CPU: {cpu}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    best = {}

    def keep(name, wall, cpu_s):
        w, c = best.get(name, (1e9, 1e9))
        best[name] = (min(w, wall), min(c, cpu_s))

    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        csv = os.path.join(d, "flows.csv")
        for _ in range(a.reps):
            t0, c0 = time.perf_counter(), child_cpu()
            subprocess.run([a.weir, "-q", "-w", str(a.w), "-r", a.capture, "-o", csv], check=True)
            t1, c1 = time.perf_counter(), child_cpu()
            p1 = time.process_time()
            df_csv = pd.read_csv(csv)
            t2, p2 = time.perf_counter(), time.process_time()
            recs = weir.meter(a.capture, workers=a.w)
            t3, p3 = time.perf_counter(), time.process_time()
            df = recs.to_pandas()
            t4, p4 = time.perf_counter(), time.process_time()
            assert len(df) == len(df_csv)
            keep("weir CLI -> CSV", t1 - t0, c1 - c0)
            keep("pandas.read_csv", t2 - t1, p2 - p1)
            keep("CLI + read_csv", t2 - t0, (c1 - c0) + (p2 - p1))
            keep("weir.meter()", t3 - t2, p3 - p2)
            keep("to_pandas()", t4 - t3, p4 - p3)
            keep("meter + to_pandas", t4 - t2, p4 - p2)
    print(f"{len(df)} records, {len(df.columns)} columns, -w {a.w}, best of {a.reps}")
    print(f"{'step':<20} {'wall_s':>8} {'cpu_s':>8}")
    for k, (w, c) in best.items():
        print(f"{k:<20} {w:8.3f} {c:8.3f}")
    w0, c0 = best["CLI + read_csv"]
    w1, c1 = best["meter + to_pandas"]
    print(f"DataFrame from capture: meter+to_pandas is {w0 / w1:.2f}x (wall), {c0 / c1:.2f}x (cpu) "
          f"faster than CLI+read_csv")


if __name__ == "__main__":
    main()
