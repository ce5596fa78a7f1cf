#!/usr/bin/env python3
"""Evidently's DataDriftPreset vs `mlsec data drift`, side by side, same files, same run.

    bench/data/drift_bench.sh                       # the wrapper: venv, release build, this script
    python3 bench/data/drift_bench.py --mlsec target/release/mlsec --rows 100000 1000000 --big 10000000

For every row count it generates the shared synthetic dataset (100k x 25 spec, any size) with
`/work/shared/vectors/drift/gen_drift_data.py` (run, not copied), then runs

  * Evidently 0.7.23: pandas.read_parquet of both files + Report([DataDriftPreset()]).run(...)
    + snapshot.json(), in a fresh Python process;
  * mlsec: `mlsec data drift REF CUR --format json -o OUT` (default mode = Evidently's test
    selection), a fresh process;

each under GNU `/usr/bin/time -v` (wall time and peak RSS of the whole process, imports and file
reading included), and prints a table with the ratios and whether both flag the same columns.
`--big N` adds an mlsec-only run on an N-row Parquet pair (generated with `mlsec data synth`,
which streams, because the Python generator needs the whole frame in memory) to show that peak
memory stays bounded as the input grows.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

GEN = os.environ.get("GEN_DRIFT_DATA", "/work/shared/vectors/drift/gen_drift_data.py")


def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v; returns (exit code, wall seconds, peak RSS MiB)."""
    t0 = time.perf_counter()
    with open(log, "w") as err:
        p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE, stderr=err, text=True)
    wall = time.perf_counter() - t0
    text = open(log).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        parts = [float(x) for x in m.group(1).split(":")]
        wall = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    return p.returncode, wall, rss, cpu


def ensure_data(rows, work, mlsec, use_mlsec_synth=False):
    d = os.path.join(work, str(rows))
    if os.path.exists(os.path.join(d, "current.parquet")):
        return d
    os.makedirs(d, exist_ok=True)
    t0 = time.perf_counter()
    if use_mlsec_synth:
        subprocess.run([mlsec, "data", "synth", "--rows", str(rows), "--out", d], check=True)
    else:
        subprocess.run([sys.executable, GEN, str(rows), d], check=True, stdout=subprocess.DEVNULL)
    print(f"# generated {rows} rows in {time.perf_counter() - t0:.1f}s -> {d}", file=sys.stderr)
    return d


def evidently_child(ref, cur, out):
    """Runs inside the timed child process."""
    t0 = time.perf_counter()
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    t1 = time.perf_counter()
    r = pd.read_parquet(ref)
    c = pd.read_parquet(cur)
    t2 = time.perf_counter()
    snap = Report([DataDriftPreset()]).run(current_data=c, reference_data=r)
    doc = snap.dict()
    t3 = time.perf_counter()
    flagged = []
    count = share = None
    for m in doc.get("metrics", []):
        name = m.get("metric_name", "")
        cfg = m.get("config", {})
        val = m.get("value")
        if name.startswith("DriftedColumnsCount"):
            count, share = val.get("count"), val.get("share")
        elif name.startswith("ValueDrift") and isinstance(val, (int, float)):
            col = cfg.get("column")
            thr = cfg.get("threshold")
            method = cfg.get("method", "")
            # p-value tests drift below the threshold, distances at or above it.
            is_p = any(k in method.lower() for k in ("p_value", "test"))
            if thr is not None and ((val < thr) if is_p else (val >= thr)):
                flagged.append(col)
    json.dump({"count": count, "share": share, "flagged": sorted(flagged),
               "import_s": t1 - t0, "read_s": t2 - t1, "report_s": t3 - t2}, open(out, "w"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlsec", default="target/release/mlsec")
    ap.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--big", type=int, default=0, help="also run mlsec alone on this many rows")
    ap.add_argument("--work", default=os.environ.get("WORK", "/tmp/data-report-bench"))
    ap.add_argument("--skip-evidently", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rows_out = []
    for n in a.rows:
        d = ensure_data(n, a.work, a.mlsec)
        ref, cur = os.path.join(d, "reference.parquet"), os.path.join(d, "current.parquet")
        out = os.path.join(d, "mlsec.json")
        code, wall, rss, cpu = timed([a.mlsec, "data", "drift", ref, cur, "--format", "json", "-o", out],
                                     os.path.join(d, "mlsec.time"))
        if code not in (0, 1):
            sys.exit(f"mlsec failed ({code}); see {d}/mlsec.time")
        m = json.load(open(out))
        m_flag = sorted(c["name"] for c in m["columns"] if c.get("drift"))
        row = {"rows": n, "mlsec_s": wall, "mlsec_cpu": cpu, "mlsec_mib": rss, "mlsec_flagged": m_flag}
        if not a.skip_evidently:
            eout = os.path.join(d, "evidently.json")
            code, ewall, erss, ecpu = timed([sys.executable, __file__, "_evidently", ref, cur, eout],
                                         os.path.join(d, "evidently.time"))
            if code != 0:
                sys.exit(f"evidently failed ({code}); see {d}/evidently.time")
            e = json.load(open(eout))
            row.update({"ev_s": ewall, "ev_cpu": ecpu, "ev_mib": erss, "ev_flagged": e["flagged"],
                        "ev_report_s": e["report_s"], "ev_read_s": e["read_s"], "ev_import_s": e["import_s"]})
        rows_out.append(row)
        print(json.dumps(row), file=sys.stderr)

    print()
    print("| rows (each file) | Evidently wall (CPU) | Evidently peak RSS | mlsec wall (CPU) | mlsec peak RSS | speed-up wall (CPU) | memory ratio | same drifted columns |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows_out:
        if "ev_s" in r:
            same = "yes ({})".format(len(r["mlsec_flagged"])) if r["ev_flagged"] == r["mlsec_flagged"] else \
                "no: evidently {} / mlsec {}".format(r["ev_flagged"], r["mlsec_flagged"])
            print(f"| {r['rows']:,} | {r['ev_s']:.2f} s ({r['ev_cpu']:.2f} s) | {r['ev_mib']:.0f} MiB | "
                  f"{r['mlsec_s']:.2f} s ({r['mlsec_cpu']:.2f} s) | {r['mlsec_mib']:.0f} MiB | "
                  f"{r['ev_s'] / r['mlsec_s']:.1f}x ({r['ev_cpu'] / max(r['mlsec_cpu'], 0.01):.1f}x) | "
                  f"{r['ev_mib'] / r['mlsec_mib']:.1f}x | {same} |")
        else:
            print(f"| {r['rows']:,} | — | — | {r['mlsec_s']:.2f} s ({r['mlsec_cpu']:.2f} s) | {r['mlsec_mib']:.0f} MiB | — | — | — |")
    for r in rows_out:
        if "ev_s" in r:
            print(f"\nEvidently at {r['rows']:,} rows: import {r['ev_import_s']:.2f} s, read_parquet {r['ev_read_s']:.2f} s, "
                  f"Report.run {r['ev_report_s']:.2f} s (in-process).")

    if a.big:
        d = ensure_data(a.big, a.work, a.mlsec, use_mlsec_synth=True)
        ref, cur = os.path.join(d, "reference.parquet"), os.path.join(d, "current.parquet")
        size = (os.path.getsize(ref) + os.path.getsize(cur)) / 2**20
        out = os.path.join(d, "mlsec.json")
        code, wall, rss, cpu = timed([a.mlsec, "data", "drift", ref, cur, "--format", "json", "-o", out],
                                     os.path.join(d, "mlsec.time"))
        if code not in (0, 1):
            sys.exit(f"mlsec failed ({code}); see {d}/mlsec.time")
        m = json.load(open(out))
        print(f"\nmlsec data drift on {a.big:,} + {a.big:,} rows of Parquet ({size:.0f} MiB on disk): "
              f"{wall:.1f} s wall ({cpu:.1f} s CPU), peak RSS {rss:.0f} MiB, drifted {m['dataset']['drifted']}/{m['dataset']['columns']}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_evidently":
        evidently_child(*sys.argv[2:])
    else:
        main()
