#!/usr/bin/env python3
"""Runs Microsoft Presidio (presidio-analyzer) over the labelled sample and writes one line per
row: the mlsec detector codes its entities map to.

No spaCy model is installable offline (they are not on PyPI), so Presidio runs with its pattern
and checksum recognizers only, behind a blank NLP engine; PERSON and LOCATION (NER-based) are
therefore not available. The column name is passed as Presidio context words, the same hint
mlsec gets. Country recognizers (ES NIF/NIE, IT fiscal code, UK NINO, postcodes) are registered
for English so that one analyze call runs them all.

    python bench/pii/presidio_peer.py SAMPLE.csv OUT.txt [--threshold 0.5]
"""
import argparse
import csv
import sys
import time

import tldextract

# Presidio's e-mail/URL validation calls tldextract, which fetches the public suffix list over the
# network by default; use the snapshot bundled in the wheel instead.
tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry  # noqa: E402
from presidio_analyzer import predefined_recognizers as pr  # noqa: E402
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine  # noqa: E402

MAP = {
    "EMAIL_ADDRESS": "PII001",
    "PHONE_NUMBER": "PII002",
    "CREDIT_CARD": "PII003",
    "IBAN_CODE": "PII004",
    "US_SSN": "PII005",
    "UK_NINO": "PII006",
    "ES_NIF": "PII008",
    "ES_NIE": "PII008",
    "IT_FISCAL_CODE": "PII009",
    "IP_ADDRESS": "PII011",
    "MAC_ADDRESS": "PII012",
    "DATE_TIME": "PII013",
    "UK_POSTCODE": "PII015",
    "CA_POSTAL_CODE": "PII015",
    "DE_PLZ": "PII015",
    "PERSON": "PII016",
    "LOCATION": "PII014",
}


class BlankNlp(NlpEngine):
    def load(self):
        pass

    def is_loaded(self):
        return True

    def process_text(self, text, language):
        return NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=self, language=language)

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
        for t in texts:
            yield t, self.process_text(t, language)

    def is_stopword(self, word, language):
        return False

    def is_punct(self, word, language):
        return False

    def get_supported_entities(self):
        return []

    def get_supported_languages(self):
        return ["en"]


def engine():
    reg = RecognizerRegistry(supported_languages=["en"])
    for cls in [
        pr.EmailRecognizer, pr.PhoneRecognizer, pr.CreditCardRecognizer, pr.IbanRecognizer,
        pr.UsSsnRecognizer, pr.UkNinoRecognizer, pr.EsNifRecognizer, pr.EsNieRecognizer,
        pr.ItFiscalCodeRecognizer, pr.IpRecognizer, pr.MacAddressRecognizer, pr.DateRecognizer,
        pr.UkPostcodeRecognizer, pr.CaPostalCodeRecognizer, pr.DePlzRecognizer,
    ]:
        reg.add_recognizer(cls(supported_language="en"))
    return AnalyzerEngine(registry=reg, nlp_engine=BlankNlp(), supported_languages=["en"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sample")
    ap.add_argument("out")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    eng = engine()
    with open(args.sample, newline="") as f:
        rows = list(csv.DictReader(f))
    t0 = time.perf_counter()
    preds = []
    for r in rows:
        ctx = [w for w in r["column"].replace("_", " ").split() if w]
        res = eng.analyze(r["value"], language="en", context=ctx, score_threshold=args.threshold)
        preds.append(sorted({MAP[x.entity_type] for x in res if x.entity_type in MAP}))
    secs = time.perf_counter() - t0
    with open(args.out, "w") as f:
        for p in preds:
            f.write(",".join(p) + "\n")
    print(f"presidio: {len(rows)} values in {secs:.3f} s", file=sys.stderr)
    print(f"{secs:.6f}")


if __name__ == "__main__":
    main()
