#!/usr/bin/env python3
"""ART 1.20.1 vs `mlsec redteam` on the same models, samples and budgets, in one run.

For each reference model (digits MLP, breast-cancer logistic regression) this times, on the first
100 test rows and eps in {0.05, 0.1, 0.2, 0.3}: FGSM, PGD-40 (step eps/4, no random init), Square
(max_iter 1000, p_init 0.3), HopSkipJump (max_iter 20, max_eval 1000, init_eval 100, L-inf,
started from the nearest training row of another class), and the membership-inference audit
(loss threshold on train vs test, plus ART's MembershipInferenceBlackBox with a random forest).

ART estimator: ART has no ONNX estimator and PyTorch/TensorFlow are heavy, so the networks are
rebuilt from the ONNX initializers (Gemm/Relu/Softmax) in `NumpyNet`, a small ART estimator
(BaseEstimator + NeuralNetworkMixin + ClassifierMixin + LossGradientsMixin + ClassGradientsMixin) with exact,
hand-written backprop of the cross-entropy from the logits. It is the lightest estimator that
gives exact gradients here and it is fast (vectorised numpy), so the comparison is of the attack
implementations, not of a slow framework.

mlsec side: `mlsec redteam MODEL --attack A --format json`; the per-audit wall time is the report's
`timings` (the process's total wall time, load included, is printed too).
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

import warnings
warnings.filterwarnings("ignore")

from art.attacks.evasion import FastGradientMethod, ProjectedGradientDescent, SquareAttack, HopSkipJump
from art.attacks.inference.membership_inference import MembershipInferenceBlackBox
from art.estimators.classification.classifier import ClassGradientsMixin, ClassifierMixin
from art.estimators.estimator import BaseEstimator, LossGradientsMixin, NeuralNetworkMixin
from sklearn.metrics import roc_auc_score, roc_curve

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(ROOT, "..", ".."))
DATA = os.path.join(REPO, "crates", "mlsec-redteam", "tests", "data")
MLSEC = os.environ.get("MLSEC", os.path.join(REPO, "target", "release", "mlsec"))
EPS = [0.05, 0.1, 0.2, 0.3]
N = 100


class NumpyNet(ClassGradientsMixin, ClassifierMixin, LossGradientsMixin, NeuralNetworkMixin, BaseEstimator):
    estimator_params = BaseEstimator.estimator_params + NeuralNetworkMixin.estimator_params + ClassifierMixin.estimator_params

    def __init__(self, layers, shape):
        super().__init__(model=None, clip_values=(0.0, 1.0), channels_first=True)
        self.layers = layers  # [(W (in x out), b)]
        self.nb_classes = layers[-1][0].shape[1]
        # ART's Square attack only accepts image-shaped input with height and width > 1:
        # (1, 8, 8) for digits, (1, 5, 6) for the 30 breast-cancer features.
        self._input_shape = shape

    @property
    def input_shape(self):
        return self._input_shape

    def _forward(self, x):
        hs = [x.reshape(len(x), -1).astype(np.float32)]
        for i, (w, b) in enumerate(self.layers):
            z = hs[-1] @ w + b
            hs.append(np.maximum(z, 0) if i + 1 < len(self.layers) else z)
        return hs

    def predict(self, x, batch_size=128, **kwargs):
        z = self._forward(x)[-1]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def fit(self, x, y, **kwargs):
        raise NotImplementedError

    def _backward(self, hs, dz):
        for i in range(len(self.layers) - 1, -1, -1):
            w, _ = self.layers[i]
            dz = dz @ w.T
            if i > 0:
                dz = dz * (hs[i] > 0)
        return dz

    def loss_gradient(self, x, y, **kwargs):
        hs = self._forward(x)
        z = hs[-1] - hs[-1].max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        y = np.asarray(y)
        onehot = y if y.ndim == 2 else np.eye(self.nb_classes, dtype=np.float32)[y]
        return self._backward(hs, p - onehot).astype(np.float32).reshape(x.shape)

    def class_gradient(self, x, label=None, **kwargs):
        raise NotImplementedError

    def compute_loss(self, x, y, **kwargs):
        p = self.predict(x)
        y = np.asarray(y)
        idx = y.argmax(axis=1) if y.ndim == 2 else y
        return -np.log(np.clip(p[np.arange(len(idx)), idx].astype(np.float64), 1e-300, None))

    def get_activations(self, *a, **k):
        raise NotImplementedError


def load(name, onnx_file, n_layers, shape):
    m = onnx.load(os.path.join(DATA, onnx_file))
    init = {i.name: numpy_helper.to_array(i).astype(np.float32) for i in m.graph.initializer}
    layers = [(init[f"W{i}"], init[f"b{i}"]) for i in range(n_layers)]
    arr = lambda s: np.load(os.path.join(DATA, f"{name}_{s}.npy"))
    img = lambda a: a.reshape((len(a),) + shape)
    return NumpyNet(layers, shape), img(arr("x_train")), arr("y_train"), img(arr("x_test")), arr("y_test")


def robust(est, xa, y):
    return float((est.predict(xa).argmax(1) == y).mean())


def art_run(est, xtr, ytr, xte, yte):
    x, y = xte[:N], yte[:N]
    res = {}
    t = time.perf_counter()
    r = [robust(est, FastGradientMethod(est, eps=e).generate(x, y=np.eye(est.nb_classes)[y]), y) for e in EPS]
    res["fgsm"] = (time.perf_counter() - t, r, None)
    t = time.perf_counter()
    r = []
    for e in EPS:
        a = ProjectedGradientDescent(est, eps=e, eps_step=e / 4, max_iter=40, num_random_init=0, verbose=False)
        r.append(robust(est, a.generate(x, y=np.eye(est.nb_classes)[y]), y))
    res["pgd"] = (time.perf_counter() - t, r, None)

    # Square: count queries by wrapping predict.
    calls = {"n": 0}
    orig = est.predict

    def counted(xx, *a, **k):
        calls["n"] += len(xx)
        return orig(xx, *a, **k)

    est.predict = counted
    t = time.perf_counter()
    r, q = [], []
    for e in EPS:
        calls["n"] = 0
        a = SquareAttack(est, norm=np.inf, eps=e, max_iter=1000, p_init=0.3, nb_restarts=1, verbose=False)
        r.append(robust(est, a.generate(x, y=np.eye(est.nb_classes)[y]), y))
        q.append(calls["n"] / N)
    res["square"] = (time.perf_counter() - t, r, q)

    # HopSkipJump, minimum-norm, from the nearest training row of another class.
    init = np.empty_like(x)
    for i in range(N):
        cand = np.where(ytr != y[i])[0]
        d = np.abs(xtr[cand] - x[i]).reshape(len(cand), -1).max(axis=1)
        init[i] = xtr[cand[d.argmin()]]
    calls["n"] = 0
    t = time.perf_counter()
    a = HopSkipJump(est, norm=np.inf, max_iter=20, max_eval=1000, init_eval=100, verbose=False)
    adv = a.generate(x, y=np.eye(est.nb_classes)[y], x_adv_init=init)
    el = time.perf_counter() - t
    est.predict = orig
    pred = est.predict(adv).argmax(1)
    clean = est.predict(x).argmax(1)
    dist = np.abs(adv - x).reshape(N, -1).max(axis=1)
    r = [float(np.mean((clean == y) & ~((pred != y) & (dist <= e + 1e-6)))) for e in EPS]
    res["hsj"] = (el, r, [calls["n"] / N] * 4)

    # Membership inference: the loss-threshold audit, and ART's black-box RF attack.
    t = time.perf_counter()
    ltr, lte = est.compute_loss(xtr, ytr), est.compute_loss(xte, yte)
    s = -np.round(np.r_[ltr, lte], 6)
    lab = np.r_[np.ones(len(ltr)), np.zeros(len(lte))]
    fpr, tpr, _ = roc_curve(lab, s)
    auc, adv_ = roc_auc_score(lab, s), float((tpr - fpr).max())
    res["mia"] = (time.perf_counter() - t, [auc, adv_], None)
    t = time.perf_counter()
    bb = MembershipInferenceBlackBox(est, attack_model_type="rf", input_type="loss")
    h = len(xtr) // 2, len(xte) // 2
    bb.fit(xtr[: h[0]], ytr[: h[0]], xte[: h[1]], yte[: h[1]])
    pm = bb.infer(xtr[h[0]:], ytr[h[0]:], probabilities=True)[:, -1]
    pn = bb.infer(xte[h[1]:], yte[h[1]:], probabilities=True)[:, -1]
    res["mia_art_rf"] = (time.perf_counter() - t, [roc_auc_score(np.r_[np.ones(len(pm)), np.zeros(len(pn))], np.r_[pm, pn])], None)
    return res


def mlsec_run(onnx_file, name):
    d = lambda s: os.path.join(DATA, f"{name}_{s}.npy")
    out = {}
    for attack in ["fgsm", "pgd", "square", "hsj", "mia"]:
        cmd = [MLSEC, "redteam", os.path.join(DATA, onnx_file), "--data", d("x_test"), "--labels", d("y_test"),
               "--train", d("x_train"), "--train-labels", d("y_train"), "--attack", attack,
               "--samples", str(N), "--eps", ",".join(map(str, EPS)), "--format", "json", "--fail-on", "critical"]
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if p.returncode not in (0, 1):
            sys.exit(f"mlsec failed: {' '.join(cmd)}\n{p.stderr}")
        rep = json.loads(p.stdout)
        ms = sum(tm["ms"] for tm in rep["timings"]) / 1e3
        if attack == "mia":
            m = next(x for x in rep["membership_inference"] if x["score"] == "loss")
            out[attack] = (ms, wall, [m["auc"], m["advantage"]], None)
        else:
            ev = sorted((e for e in rep["evasion"] if e["attack"] == attack), key=lambda e: e["eps"])
            out[attack] = (ms, wall, [e["robust_accuracy"] for e in ev], [e["queries_per_sample"] for e in ev])
    return out


def fmt(v):
    return "/".join(f"{x:.2f}" for x in v)


def main():
    models = [("digits_mlp", "digits", "digits_mlp_nn.onnx", 3, (1, 8, 8)), ("bc_logreg", "bc", "bc_logreg_nn.onnx", 1, (1, 5, 6))]
    print(f"first {N} test rows, eps {EPS}; robust accuracy per eps (lower = stronger attack)\n")
    print("| model | audit | ART s | mlsec s (audit / process) | speed-up | ART robust acc | mlsec robust acc | ART queries/sample | mlsec queries/sample |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |")
    for label, name, f, nl, shape in models:
        est, xtr, ytr, xte, yte = load(name, f, nl, shape)
        art = art_run(est, xtr, ytr, xte, yte)
        ml = mlsec_run(f, name)
        for a in ["fgsm", "pgd", "square", "hsj", "mia"]:
            at, ar, aq = art[a]
            mt, mw, mr, mq = ml[a]
            if a == "mia":
                rows = (f"AUC {ar[0]:.4f}, adv {ar[1]:.4f}", f"AUC {mr[0]:.4f}, adv {mr[1]:.4f}")
            else:
                rows = (fmt(ar), fmt(mr))
            qa = "/".join(f"{x:.0f}" for x in aq) if aq else "-"
            qm = "/".join(f"{x:.0f}" for x in mq) if mq and a in ("square", "hsj") else "-"
            print(f"| {label} | {a} | {at:.2f} | {mt:.2f} / {mw:.2f} | {at / max(mt, 1e-9):.1f}x | {rows[0]} | {rows[1]} | {qa} | {qm} |")
        at, ar, _ = art["mia_art_rf"]
        print(f"| {label} | mia (ART black-box RF) | {at:.2f} | - | - | AUC {ar[0]:.4f} | - | - | - |")


if __name__ == "__main__":
    main()
