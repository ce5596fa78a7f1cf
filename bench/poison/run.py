#!/usr/bin/env python3
"""Poisoning detection benchmark: `mlsec data poison` against cleanlab on the same data.

Builds labelled data sets (scikit-learn: breast cancer, digits, a make_classification set and a
~100k-row one), injects poison at 1%, 5% and 10% (random label flips; targeted flips from one
class to another; a backdoor: one feature set to an out-of-pattern value and the label forced
to a target class), and for each runs

  * mlsec:    `mlsec data poison FILE --label label --format json` (suspect rows), and
  * cleanlab: `find_label_issues` on 5-fold cross-validated predicted probabilities from a
              scikit-learn model (logistic regression on standardised features),

and prints precision, recall and wall time of both per data set / attack / rate. Ground truth
is the set of rows the attack touched. Everything is seeded.

Usage: bench/poison/run.py [--mlsec PATH | --example PATH] [--quick] [--markdown]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def datasets(quick):
    bc = load_breast_cancer()
    yield "breast_cancer", bc.data, bc.target
    dg = load_digits()
    yield "digits", dg.data, dg.target
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=8, n_redundant=4,
                               n_classes=3, n_clusters_per_class=2, class_sep=1.5, random_state=1)
    yield "synthetic_5k", X, y
    if not quick:
        X, y = make_classification(n_samples=100_000, n_features=10, n_informative=6,
                                   n_redundant=2, n_classes=2, class_sep=1.5, random_state=2)
        yield "synthetic_100k", X, y


def poison(X, y, attack, rate, rng):
    X = X.copy()
    y = y.copy()
    n = len(y)
    m = max(1, int(round(rate * n)))
    classes = np.unique(y)
    if attack == "random_flip":
        idx = rng.choice(n, m, replace=False)
        for i in idx:
            y[i] = rng.choice(classes[classes != y[i]])
    elif attack == "targeted_flip":
        # Rows of the largest class relabelled as the smallest class.
        counts = np.bincount(y)
        src, dst = int(np.argmax(counts)), int(np.argmin(counts))
        pool = np.flatnonzero(y == src)
        idx = rng.choice(pool, min(m, len(pool)), replace=False)
        y[idx] = dst
    elif attack == "backdoor":
        # The feature with the smallest spread is stamped with a value well outside its range,
        # and the label forced to class 0 (BadNets-style; rows drawn from every class).
        spread = X.std(axis=0)
        spread[spread == 0] = np.inf
        j = int(np.argmin(spread))
        lo, hi = X[:, j].min(), X[:, j].max()
        value = hi + 3 * (hi - lo if hi > lo else 1.0)
        idx = rng.choice(n, m, replace=False)
        X[idx, j] = value
        y[idx] = 0
    else:
        raise ValueError(attack)
    return X, y, set(int(i) for i in idx)


def prf(pred, truth):
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r


def run_mlsec(mlsec, path, example):
    t = time.perf_counter()
    if example:
        # The same library call and JSON as the CLI, from crates/mlsec-data/examples/poison_bench.rs
        cmd = [example, path, "label"]
    else:
        cmd = [mlsec, "data", "poison", path, "--label", "label", "--format", "json",
               "--top", "100000000"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if out.returncode not in (0, 1):
        sys.exit(f"mlsec failed: {out.stderr}")
    doc = json.loads(out.stdout)
    return set(s["row"] for s in doc["suspects"]), dt, doc


def run_cleanlab(X, y):
    from cleanlab.filter import find_label_issues
    t = time.perf_counter()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probs = cross_val_predict(model, X, y, cv=5, method="predict_proba")
    issues = find_label_issues(labels=y, pred_probs=probs)
    dt = time.perf_counter() - t
    return set(int(i) for i in np.flatnonzero(issues)), dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlsec", default=os.path.join(os.path.dirname(__file__),
                                                    "../../target/release/mlsec"))
    ap.add_argument("--example", help="path of the poison_bench example binary, used instead "
                    "of `mlsec data poison` (same library call and JSON)")
    ap.add_argument("--quick", action="store_true", help="skip the 100k-row data set")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(20261125)
    rows = []
    with tempfile.TemporaryDirectory(prefix="data-poison-bench-") as tmp:
        for name, X, y in datasets(args.quick):
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=int)
            for attack in ["random_flip", "targeted_flip", "backdoor"]:
                for rate in [0.01, 0.05, 0.10]:
                    Xp, yp, truth = poison(X, y, attack, rate, rng)
                    path = os.path.join(tmp, f"{name}_{attack}_{rate}.csv")
                    df = pd.DataFrame(Xp, columns=[f"f{i}" for i in range(Xp.shape[1])])
                    df["label"] = yp
                    df.to_csv(path, index=False)
                    m_pred, m_t, doc = run_mlsec(args.mlsec, path, args.example)
                    c_pred, c_t = run_cleanlab(Xp, yp)
                    mp, mr = prf(m_pred, truth)
                    cp, cr = prf(c_pred, truth)
                    trig = len(doc["triggers"])
                    rows.append((name, len(yp), attack, rate, mp, mr, m_t, cp, cr, c_t, trig))
                    print(f"{name:>15} n={len(yp):>6} {attack:>13} {rate:4.0%}  "
                          f"mlsec P={mp:.2f} R={mr:.2f} {m_t:6.2f}s (triggers {trig})  "
                          f"cleanlab P={cp:.2f} R={cr:.2f} {c_t:6.2f}s", flush=True)
    if args.markdown:
        print("\n| data set | rows | attack | rate | mlsec precision | mlsec recall | mlsec time (s) "
              "| triggers found | cleanlab precision | cleanlab recall | cleanlab time (s) |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (name, n, attack, rate, mp, mr, mt, cp, cr, ct, trig) in rows:
            print(f"| {name} | {n} | {attack} | {rate:.0%} | {mp:.2f} | {mr:.2f} | {mt:.2f} | {trig} "
                  f"| {cp:.2f} | {cr:.2f} | {ct:.2f} |")


if __name__ == "__main__":
    main()
