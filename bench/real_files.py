#!/usr/bin/env python3
"""False positives on real files: every model-format file that framework wheels ship in their
own test data and resources (NumPy, SciPy, scikit-learn, joblib, PyTorch, TensorFlow, ONNX),
scanned by mlsec and the Python peers in one run. None of these files is malicious, so every
tool flagging one is a false alarm.

The files come from the site-packages of the venvs given (bench/setup-peers.sh makes one; the
TensorFlow and PyTorch venvs of tests/data/tf-text/make.py and tests/data/torchscript/make.py
add theirs). They are copied flat into bench/out/real (name prefixed with a counter).

Usage: python3 bench/real_files.py --venv /tmp/peervenv --from /tmp/peervenv /tmp/torchvenv /tmp/tfvenv
"""
import argparse
import collections
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scan_bench as sb  # noqa: E402

SUFFIXES = {".npy", ".npz", ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".onnx", ".h5", ".hdf5",
            ".keras", ".gguf", ".safetensors", ".pb", ".pbtxt", ".tflite", ".ptl"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", required=True, type=Path, help="venv made by bench/setup-peers.sh")
    ap.add_argument("--from", dest="sources", nargs="+", type=Path, required=True, help="venvs whose site-packages to search")
    ap.add_argument("--mlsec", default=str(sb.ROOT / "target" / "release" / "mlsec"))
    args = ap.parse_args()

    where = sb.OUT / "real"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    files, origin = [], {}
    for src in args.sources:
        for p in sorted(src.glob("lib/python*/site-packages/**/*")):
            if p.is_file() and not p.is_symlink() and p.suffix.lower() in SUFFIXES:
                name = f"{len(files):04d}_{p.name}"
                shutil.copy(p, where / name)
                files.append(name)
                origin[name] = str(p.relative_to(src))
    kinds = collections.Counter(Path(f).suffix for f in files)
    results = {
        "mlsec": sb.run_mlsec(args.mlsec, where),
        "picklescan": sb.run_picklescan(args.venv, where, files),
        "modelscan": sb.run_modelscan(args.venv, where, files),
    }
    print(f"{len(files)} files: " + ", ".join(f"{n} {k}" for k, n in kinds.most_common()))
    print()
    print("| tool | false alarms | errors | skipped / not scanned | clean |")
    print("|---|---|---|---|---|")
    for tool, res in results.items():
        c = collections.Counter(res.get(f, "skipped") for f in files)
        # mlsec: a finding above low is an alarm (its default --fail-on is high; medium counts
        # here to be strict); "incomplete" and "minor" are reported apart.
        alarms = c["flagged"] + (c["minor"] if tool == "mlsec" else 0)
        print(f"| {tool} | {alarms} | {c['error']} | {c['skipped'] + c['incomplete']} | {c['clean']} |")
    print()
    for tool, res in results.items():
        for f in files:
            if res.get(f) in ("flagged", "minor") if tool == "mlsec" else res.get(f) == "flagged":
                print(f"- {tool}: `{origin[f]}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
