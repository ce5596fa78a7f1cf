#!/usr/bin/env python3
"""Per-detector precision/recall of prediction files against the labelled sample.

    python bench/pii/evaluate.py SAMPLE.csv NAME=PRED.txt [NAME=PRED.txt ...]

A prediction file has one line per sample row: the comma-separated detector codes found in the
value. For detector D: TP = rows labelled D where D was found; FP = rows not labelled D where
D was found; FN = rows labelled D where D was not found. Prints a Markdown table.
"""
import csv
import sys

NAMES = {
    "PII001": "email", "PII002": "phone", "PII003": "payment card", "PII004": "IBAN",
    "PII005": "US SSN", "PII006": "UK NINO", "PII007": "FR NIR", "PII008": "ES DNI/NIE",
    "PII009": "IT codice fiscale", "PII010": "NL BSN", "PII011": "IP address",
    "PII012": "MAC address", "PII013": "date of birth", "PII014": "postal address",
    "PII015": "postcode", "PII016": "person name",
}


def main():
    sample = sys.argv[1]
    with open(sample, newline="") as f:
        labels = [r["label"] for r in csv.DictReader(f)]
    runs = []
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        with open(path) as f:
            preds = [set(x for x in line.strip().split(",") if x) for line in f]
        assert len(preds) == len(labels), f"{path}: {len(preds)} lines for {len(labels)} rows"
        runs.append((name, preds))
    head = "| detector | n |" + "".join(f" {n} P | {n} R |" for n, _ in runs)
    print(head)
    print("|---|---:|" + "---:|---:|" * len(runs))
    for code, label in NAMES.items():
        n = sum(1 for l in labels if l == code)
        cells = []
        for _, preds in runs:
            tp = sum(1 for l, p in zip(labels, preds) if l == code and code in p)
            fp = sum(1 for l, p in zip(labels, preds) if l != code and code in p)
            prec = tp / (tp + fp) if tp + fp else None
            rec = tp / n if n else None
            cells.append("–" if prec is None else f"{prec:.3f}")
            cells.append("–" if rec is None else f"{rec:.3f}")
        print(f"| {code} {label} | {n} |" + "".join(f" {c} |" for c in cells))
    for name, preds in runs:
        neg = [p for l, p in zip(labels, preds) if not l]
        fp_rows = sum(1 for p in neg if p)
        print(f"\n{name}: {fp_rows} of {len(neg)} look-alike (non-PII) rows flagged by some detector")


if __name__ == "__main__":
    main()
