#!/usr/bin/env python3
"""Detection beyond the shared corpus: mlsec and the Python peers on real framework files
that make_corpus.py does not cover, in the same run.

The cases are the project's own test fixtures, made by the real frameworks and loaded back by
them (their make.py scripts prove each malicious one runs its payload):
- TensorFlow SavedModels and GraphDefs in the protobuf text format (saved_model.pbtxt), which
  TensorFlow loads like the binary form (crates/mlsec-scan/tests/data/tf-text);
- TorchScript archives from torch.jit.save / _save_for_lite_interpreter, benign and with file
  access in __setstate__ or forward (crates/mlsec-scan/tests/data/torchscript);
- torch.package archives, benign and with a command run from an interned module
  (crates/mlsec-scan/tests/data/torch-package).

Each case is laid out the way its loader expects (`CASE/saved_model.pbtxt`, `CASE.pt`) under
bench/out/beyond and every tool scans it with the verdict rules of scan_bench.py.

Usage: python3 bench/beyond_bench.py --venv /tmp/peervenv [--skip-modelaudit]
"""
import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scan_bench as sb  # noqa: E402

DATA = sb.ROOT / "crates" / "mlsec-scan" / "tests" / "data"

# (source file, layout name, label, what it is)
CASES = [
    ("tf-text/benign_module.saved_model.pbtxt", "tf_benign/saved_model.pbtxt", "benign", "tf.Module SavedModel as text"),
    ("tf-text/benign.graph.pbtxt", "tf_benign_graph/graph.pbtxt", "benign", "GraphDef as text (tf.io.write_graph)"),
    ("tf-text/readfile.saved_model.pbtxt", "tf_readfile/saved_model.pbtxt", "malicious", "ReadFile in a function, text SavedModel"),
    ("tf-text/writefile.saved_model.pbtxt", "tf_writefile/saved_model.pbtxt", "malicious", "WriteFile in a function, text SavedModel"),
    ("tf-text/pyfunc.saved_model.pbtxt", "tf_pyfunc/saved_model.pbtxt", "malicious", "EagerPyFunc, text SavedModel"),
    ("tf-text/readfile_obfuscated.saved_model.pbtxt", "tf_readfile_obf/saved_model.pbtxt", "malicious", "ReadFile spelled with escapes, `<>`"),
    ("tf-text/writefile.graph.pbtxt", "tf_writefile_graph/graph.pbtxt", "malicious", "WriteFile node, text GraphDef"),
    ("torchscript/benign_scripted.pt", "ts_benign_scripted.pt", "benign", "torch.jit.script + save"),
    ("torchscript/benign_traced.pt", "ts_benign_traced.pt", "benign", "torch.jit.trace + save"),
    ("torchscript/benign_setstate.pt", "ts_benign_setstate.pt", "benign", "scripted module with its own __setstate__"),
    ("torchscript/benign_quantized.pt", "ts_benign_quantized.pt", "benign", "dynamically quantized, scripted"),
    ("torchscript/benign_lite.ptl", "ts_benign_lite.ptl", "benign", "_save_for_lite_interpreter"),
    ("torchscript/setstate_file_io.pt", "ts_setstate_file_io.pt", "malicious", "__setstate__ reads and writes files on load"),
    ("torchscript/setstate_ops_aten.pt", "ts_setstate_ops_aten.pt", "malicious", "the same, spelled ops.aten.*"),
    ("torchscript/forward_from_file.pt", "ts_forward_from_file.pt", "malicious", "forward maps a file"),
    ("torchscript/setstate_file_io_lite.ptl", "ts_setstate_file_io_lite.ptl", "malicious", "lite interpreter, __setstate__ file I/O"),
    ("torch-package/benign_package.pt", "pkg_benign.pt", "benign", "torch.package with an interned model module"),
    ("torch-package/setstate_system.pt", "pkg_setstate_system.pt", "malicious", "torch.package module runs `o.system` in __setstate__"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", required=True, type=Path, help="venv made by bench/setup-peers.sh")
    ap.add_argument("--mlsec", default=str(sb.ROOT / "target" / "release" / "mlsec"))
    ap.add_argument("--skip-modelaudit", action="store_true")
    args = ap.parse_args()

    where = sb.OUT / "beyond"
    shutil.rmtree(where, ignore_errors=True)
    for src, dst, _, _ in CASES:
        (where / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / src, where / dst)
    files = [dst for _, dst, _, _ in CASES]

    results = {"mlsec": sb.run_mlsec(args.mlsec, where)}
    results["picklescan"] = sb.run_picklescan(args.venv, where, files)
    results["modelscan"] = sb.run_modelscan(args.venv, where, files)
    results["fickling"] = sb.run_fickling(args.venv, where, files)
    if not args.skip_modelaudit:
        results["modelaudit"] = sb.run_modelaudit(args.venv, where, files)
    tools = list(results)

    def cell(tool: str, dst: str, label: str) -> str:
        v = results[tool].get(dst, "skipped")
        if label == "benign":
            # Benign: mlsec passes at low or below; a peer passes when it raises nothing.
            # mlsec's "incomplete" is clean at low or below with a part it could not check.
            ok = v in ("clean", "skipped") if tool != "mlsec" else v in ("clean", "incomplete")
            return ("ok" if ok else "**FP**") + ("" if v in ("clean", "flagged") else f" ({v})")
        return ("**detected**" if v == "flagged" else "missed") + ("" if v in ("clean", "flagged") else f" ({v})")

    print("| case | label | " + " | ".join(tools) + " |")
    print("|---|---|" + "---|" * len(tools))
    for _, dst, label, what in CASES:
        print(f"| `{dst}`: {what} | {label} | " + " | ".join(cell(t, dst, label) for t in tools) + " |")
    for label in ("malicious", "benign"):
        n = sum(1 for c in CASES if c[2] == label)
        row = []
        for t in tools:
            good = sum(1 for _, dst, lab, _ in CASES if lab == label and cell(t, dst, lab).startswith(("**detected**", "ok")))
            row.append(f"{good}/{n}")
        print(f"| **{label}: {'detected' if label == 'malicious' else 'passed'}** | | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
