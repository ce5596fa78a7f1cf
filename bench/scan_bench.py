#!/usr/bin/env python3
"""Runs mlsec and the Python peer scanners on the same inputs in the same run.

Detection: every file of the labelled corpus (``make_corpus.py``), per label and format family.
Throughput: many small files (the corpus directory) and multi-GB checkpoints.

Usage:
    bench/setup-peers.sh /tmp/peervenv          # once: picklescan, modelscan, fickling, modelaudit
    cargo build --release -p mlsec
    python3 bench/scan_bench.py --venv /tmp/peervenv [--corpus DIR] [--large-gb 1] [--skip-modelaudit]

Writes ``bench/out/scan-results.md`` (markdown tables) and ``bench/out/scan-results.json``.
Nothing here loads a model: every tool is run as a separate process on the files.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def timed(cmd: list[str], cwd: str | None = None, timeout: int = 7200) -> dict:
    """Runs cmd; returns exit code, wall and CPU seconds, max RSS MB, stdout and stderr.

    CPU and RSS come from the child's rusage (os.wait4, which includes the children it waited
    for), so no wrapper process such as time(1) adds its own start-up to a 10 ms run.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _pid, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"exit": p.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                "rss_mb": ru.ru_maxrss / 1024, "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")}


def median_run(cmd: list[str], n: int = 3) -> dict:
    timed(cmd)  # warm-up: page cache, dynamic loader
    runs = [timed(cmd) for _ in range(n)]
    runs.sort(key=lambda r: r["wall"])
    return runs[len(runs) // 2]


def load_labels(corpus: Path) -> list[dict]:
    rows = []
    with open(corpus / "labels.tsv") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            vals = line.rstrip("\n").split("\t")
            rows.append(dict(zip(header, vals)))
    return rows


def family(fmt: str) -> str:
    for prefix, fam in [("pytorch", "pytorch"), ("keras", "keras"), ("tf-", "tf-savedmodel"), ("onnx", "onnx"),
                        ("gguf", "gguf/jinja"), ("hf-json", "gguf/jinja"), ("safetensors", "safetensors"),
                        ("numpy", "numpy"), ("joblib", "joblib"), ("pickle", "pickle")]:
        if fmt.startswith(prefix):
            return fam
    return "archives"


# --- per-tool verdicts: path -> "flagged" | "clean" | "error" ---------------------------------

def run_mlsec(mlsec: str, corpus: Path) -> dict[str, str]:
    r = timed([mlsec, "scan", "--format", "json", str(corpus)])
    doc = json.loads(r["stdout"])
    out = {}
    for f in doc["files"]:
        rel = os.path.relpath(f["path"], corpus)
        sev = f["max_severity"]
        out[rel] = "flagged" if sev in ("high", "critical") else ("minor" if sev in ("medium",) else "clean")
        if f["status"] == "incomplete" and out[rel] == "clean":
            out[rel] = "incomplete"
    for e in doc["errors"]:
        out[os.path.relpath(e["path"], corpus)] = "error"
    return out


def run_picklescan(venv: Path, corpus: Path, files: list[str]) -> dict[str, str]:
    exe = str(venv / "bin" / "picklescan")
    out = {}
    for rel in files:
        r = subprocess.run([exe, "-p", str(corpus / rel)], capture_output=True, text=True, errors="replace", timeout=600)
        out[rel] = {0: "clean", 1: "flagged"}.get(r.returncode, "error")
    return out


def run_fickling(venv: Path, corpus: Path, files: list[str]) -> dict[str, str]:
    exe = str(venv / "bin" / "fickling")
    out = {}
    for rel in files:
        # fickling writes safety_results.json into its working directory: keep it in bench/out.
        r = subprocess.run([exe, "--check-safety", str((corpus / rel).resolve())], cwd=OUT,
                           capture_output=True, text=True, errors="replace", timeout=600)
        crashed = "Traceback" in r.stderr
        out[rel] = "error" if crashed else {0: "clean", 1: "flagged"}.get(r.returncode, "error")
    return out


def run_modelscan(venv: Path, corpus: Path, files: list[str]) -> dict[str, str]:
    report = OUT / "modelscan.json"
    timed([str(venv / "bin" / "modelscan"), "scan", "-p", str(corpus), "-r", "json", "-o", str(report)])
    doc = json.loads(report.read_text()) if report.exists() else {"issues": [], "summary": {}}
    scanned = set()
    for s in doc.get("summary", {}).get("scanned", {}).get("scanned_files", []) or []:
        scanned.add(s.split(":")[0])
    flagged = {i["source"].split(":")[0] for i in doc.get("issues", [])}
    errored = set()
    for e in doc.get("errors", []) or []:
        src = e.get("source") or ""
        errored.add(src.split(":")[0])
    out = {}
    for rel in files:
        out[rel] = "flagged" if rel in flagged else ("error" if rel in errored else ("clean" if rel in scanned else "skipped"))
    return out


def run_modelaudit(venv: Path, corpus: Path, files: list[str]) -> dict[str, str]:
    report = OUT / "modelaudit.json"
    timed([str(venv / "bin" / "modelaudit"), "scan", str(corpus), "--format", "json", "-o", str(report)], timeout=7200)
    doc = json.loads(report.read_text()) if report.exists() else {"issues": []}
    out = {rel: "clean" for rel in files}
    for i in doc.get("issues", []):
        loc = (i.get("location") or "").split(" (pos")[0]
        path = loc.split(":")[0]
        rel = os.path.relpath(path, corpus) if path.startswith("/") else path
        if rel in out and i.get("severity") in ("critical", "warning"):
            out[rel] = "flagged"
    return out


# --- large inputs ------------------------------------------------------------------------------

def make_large(venv_py: str, gb: float) -> dict[str, Path]:
    big = OUT / "large"
    big.mkdir(parents=True, exist_ok=True)
    n = int(gb * (1 << 30))
    script = f"""
import json, os, struct, zipfile, pickle, io
n = {n}
out = {str(big)!r}
p = os.path.join(out, 'model.safetensors')
if not os.path.exists(p):
    ntens = 8
    per = n // ntens // 4 * 4
    header = {{}}
    off = 0
    for i in range(ntens):
        header[f'layer{{i}}.weight'] = {{'dtype': 'F32', 'shape': [per // 4], 'data_offsets': [off, off + per]}}
        off += per
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(p, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        chunk = os.urandom(1 << 24)
        left = off
        while left:
            k = min(left, len(chunk)); f.write(chunk[:k]); left -= k
p = os.path.join(out, 'model.pt')
if not os.path.exists(p):
    ntens = 8
    per = n // ntens
    state = b'\\x80\\x02}}q\\x00.'
    with zipfile.ZipFile(p, 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', state)
        z.writestr('archive/version', '3\\n')
        chunk = os.urandom(1 << 24)
        for i in range(ntens):
            with z.open(f'archive/data/{{i}}', 'w', force_zip64=True) as w:
                left = per
                while left:
                    k = min(left, len(chunk)); w.write(chunk[:k]); left -= k
p = os.path.join(out, 'arrays.pkl')
if not os.path.exists(p):
    import numpy
    arr = numpy.frombuffer(os.urandom(n // 2), dtype=numpy.float64)
    with open(p, 'wb') as f:
        pickle.dump({{'weights': arr}}, f, protocol=4)
"""
    subprocess.run([venv_py, "-c", script], check=True)
    return {"safetensors": big / "model.safetensors", "torch-zip": big / "model.pt", "numpy-pickle": big / "arrays.pkl"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", required=True, type=Path, help="venv made by bench/setup-peers.sh")
    ap.add_argument("--mlsec", default=str(ROOT / "target" / "release" / "mlsec"))
    ap.add_argument("--corpus", type=Path, help="existing corpus dir (default: generate into bench/out/corpus)")
    ap.add_argument("--large-gb", type=float, default=1.0, help="size of the large inputs (0 to skip)")
    ap.add_argument("--skip-modelaudit", action="store_true", help="modelaudit needs ~1 s per file")
    ap.add_argument("--copies", type=int, default=20, help="corpus copies for the small-files run")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    py = str(args.venv / "bin" / "python")

    corpus = args.corpus
    if corpus is None:
        corpus = OUT / "corpus"
        gen = ROOT.parent / "shared" / "tools" / "make_corpus.py"
        if not (corpus / "labels.tsv").exists():
            subprocess.run([py, str(gen), "--out", str(corpus)], check=True)
    all_labels = load_labels(corpus)
    files = [r["path"] for r in all_labels]
    # `*-aux` rows (e.g. `variables/variables.index` beside a malicious saved_model.pb) are
    # parts of a model directory, not artifacts with a verdict of their own: no per-file
    # scanner can flag 16 zero bytes. They are counted separately.
    labels = [r for r in all_labels if not r["format"].endswith("-aux")]
    aux = [r for r in all_labels if r["format"].endswith("-aux")]

    results: dict[str, dict[str, str]] = {}
    timings: dict[str, dict] = {}
    t0 = time.perf_counter(); results["mlsec"] = run_mlsec(args.mlsec, corpus); timings["mlsec"] = time.perf_counter() - t0
    t0 = time.perf_counter(); results["picklescan"] = run_picklescan(args.venv, corpus, files); timings["picklescan"] = time.perf_counter() - t0
    t0 = time.perf_counter(); results["modelscan"] = run_modelscan(args.venv, corpus, files); timings["modelscan"] = time.perf_counter() - t0
    t0 = time.perf_counter(); results["fickling"] = run_fickling(args.venv, corpus, files); timings["fickling"] = time.perf_counter() - t0
    if not args.skip_modelaudit:
        t0 = time.perf_counter(); results["modelaudit"] = run_modelaudit(args.venv, corpus, files); timings["modelaudit"] = time.perf_counter() - t0
    tools = list(results)

    md = []
    md.append(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"corpus: {len(all_labels)} files from make_corpus.py, of which {len(aux)} are auxiliary "
              f"parts of model directories (`*-aux`, e.g. `variables.index`) and are not counted below.\n")
    md.append("### Detection per label (flagged = the tool reported the file; for mlsec: a finding at high or critical, except where the cell says otherwise)\n")
    md.append("| label (n) | " + " | ".join(tools) + " |")
    md.append("|---|" + "---|" * len(tools))
    by_label = collections.defaultdict(list)
    for r in labels:
        by_label[r["label"]].append(r["path"])
    for label in ["malicious", "suspicious", "malformed", "benign"]:
        paths = by_label.get(label, [])
        if not paths:
            continue
        cells = []
        for t in tools:
            c = collections.Counter(results[t].get(p, "missing") for p in paths)
            if label == "benign" and t == "mlsec":
                cell = f"{c['flagged'] + c['minor']} FP (above low), {c['error']} err"
            elif label == "suspicious" and t == "mlsec":
                cell = f"{c['flagged'] + c['minor']}/{len(paths)} at medium or above"
            elif label == "malformed" and t == "mlsec":
                cell = (f"{c['flagged'] + c['minor'] + c['incomplete']}/{len(paths)} reported "
                        f"({c['flagged']} high+, {c['minor']} medium, {c['incomplete']} not fully checked)")
            elif label == "benign":
                cell = f"{c['flagged']} FP, {c['error']} err"
            else:
                cell = f"{c['flagged']}/{len(paths)}" + (f", {c['error']} err" if c["error"] else "") + \
                       (f", {c['skipped']} skipped" if c.get("skipped") else "")
            cells.append(cell)
        md.append(f"| {label} ({len(paths)}) | " + " | ".join(cells) + " |")

    md.append("\n### Malicious detected per format family\n")
    md.append("| family (n) | " + " | ".join(tools) + " |")
    md.append("|---|" + "---|" * len(tools))
    fams = collections.defaultdict(list)
    for r in labels:
        if r["label"] == "malicious":
            fams[family(r["format"])].append(r["path"])
    for fam, paths in sorted(fams.items()):
        md.append(f"| {fam} ({len(paths)}) | " + " | ".join(
            f"{sum(results[t].get(p) == 'flagged' for p in paths)}" for t in tools) + " |")

    misses = [r for r in labels if r["label"] in ("malicious",) and results["mlsec"].get(r["path"]) != "flagged"]
    fps = [r for r in labels if r["label"] == "benign" and results["mlsec"].get(r["path"]) in ("flagged", "minor")]
    malformed_clean = [r for r in labels if r["label"] == "malformed" and results["mlsec"].get(r["path"]) == "clean"]
    md.append(f"\nmlsec misses: {len(misses)}; benign above low: {len(fps)}; malformed reported clean: {len(malformed_clean)}")
    for r in misses + fps + malformed_clean:
        md.append(f"- {r['label']}: `{r['path']}` ({r['technique']}) -> {results['mlsec'].get(r['path'])}")

    # Throughput on many small files, twice: the corpus as it is (one invocation per tool, as the
    # peers' reference measurement ran it, so process start-up is part of the cost), and the
    # corpus copied --copies times (start-up amortised). mlsec writes its JSON report to a file;
    # the peers print their summaries. The `cat` row reads every byte of every file with two
    # processes and analyses nothing: no scanner that reads each file once can beat it.
    many = OUT / "many"
    if not many.exists():
        for i in range(args.copies):
            shutil.copytree(corpus, many / f"c{i:03}")
    picklescan = str(args.venv / "bin" / "picklescan")

    def small_files(where: Path, runs: int) -> tuple[int, dict]:
        n = sum(1 for p in where.rglob("*") if p.is_file())
        rows = {
            "mlsec": median_run([args.mlsec, "scan", "--format", "json", "--output",
                                 str(OUT / "mlsec-small.json"), str(where)], runs),
            "picklescan": median_run([picklescan, "-p", str(where)], runs),
            "cat, 2 processes (reads every byte, analyses nothing)": median_run(
                ["sh", "-c", f"find '{where}' -type f -print0 | xargs -0 -P2 -n {n // 2 + 1} cat > /dev/null"], runs),
        }
        return n, rows

    def small_table(n: int, rows: dict) -> None:
        md.append("| tool | wall s | CPU s | files/s (wall) | max RSS MB |")
        md.append("|---|---|---|---|---|")
        for t, r in rows.items():
            md.append(f"| {t} | {r['wall']:.4f} | {r['cpu']:.2f} | {n / r['wall']:.0f} | {r['rss_mb']:.0f} |")

    n1, once = small_files(corpus, 11)
    md.append(f"\n### Many small files: the corpus once ({n1} files, one invocation per tool; median of 11)\n")
    small_table(n1, once)
    nc = len(all_labels)
    md.append(f"| modelscan (detection run above) | {timings['modelscan']:.2f} | - | {nc / timings['modelscan']:.0f} | - |")
    md.append(f"| fickling (1 process per file) | {timings['fickling']:.2f} | - | {nc / timings['fickling']:.0f} | - |")
    if "modelaudit" in timings:
        md.append(f"| modelaudit (detection run above) | {timings['modelaudit']:.2f} | - | {nc / timings['modelaudit']:.1f} | - |")
    r1 = once["picklescan"]["wall"] / once["mlsec"]["wall"]
    md.append(f"\nmlsec / fastest Python peer (picklescan), files per second: **{r1:.1f}x**")

    n2, copies = small_files(many, 5)
    copies["modelscan"] = timed([str(args.venv / "bin" / "modelscan"), "scan", "-p", str(many), "-r", "json",
                                 "-o", str(OUT / "modelscan2.json")])
    md.append(f"\n### Many small files: the corpus copied {args.copies} times ({n2} files; median of 5, modelscan once)\n")
    small_table(n2, copies)
    r2 = copies["picklescan"]["wall"] / copies["mlsec"]["wall"]
    floor = copies["picklescan"]["wall"] / copies["cat, 2 processes (reads every byte, analyses nothing)"]["wall"]
    md.append(f"\nmlsec / fastest Python peer (picklescan), files per second: **{r2:.1f}x** "
              f"(reading the files with `cat` alone: {floor:.1f}x)")

    if args.large_gb > 0:
        large = make_large(py, args.large_gb)
        md.append(f"\n### Large files ({args.large_gb:g} GiB inputs; page cache warm; median of 3 for mlsec)\n")
        md.append("MB/s is file size over wall time: above the read rate means the tool read only what it needed.\n")
        md.append("| input | tool | exit | wall s | CPU s | MB/s (wall) | max RSS MB |")
        md.append("|---|---|---|---|---|---|---|")
        for name, path in large.items():
            size_mb = path.stat().st_size / (1 << 20)
            subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL)  # warm the page cache
            cat = timed(["cat", str(path)])
            rows = {"mlsec": median_run([args.mlsec, "scan", "--format", "json", str(path)]),
                    "picklescan": timed([str(args.venv / "bin" / "picklescan"), "-p", str(path)]),
                    "modelscan": timed([str(args.venv / "bin" / "modelscan"), "scan", "-p", str(path)])}
            if not args.skip_modelaudit:
                rows["modelaudit"] = timed([str(args.venv / "bin" / "modelaudit"), "scan", str(path), "--format", "json"])
            rows["cat > /dev/null (read rate, this run)"] = cat
            for t, r in rows.items():
                md.append(f"| {name} | {t} | {r['exit']} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                          f"{size_mb / max(r['wall'], 1e-9):.0f} | {r['rss_mb']:.0f} |")

    text = "\n".join(md) + "\n"
    (OUT / "scan-results.md").write_text(text)
    (OUT / "scan-results.json").write_text(json.dumps({"results": results, "timings": timings}, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
