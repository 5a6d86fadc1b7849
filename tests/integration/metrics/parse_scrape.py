#!/usr/bin/python3
"""Parses a /metrics scrape with prometheus_client's own text-format parser.

Usage: parse_scrape.py FILE. Prints one line per sample, `name<TAB>labels<TAB>value`, labels as
sorted `k=v` pairs joined by commas, so the C++ test asserts on what a real Prometheus parser
read. Exits 1 with the parser's complaint when the text does not parse, or when a family's type
is not one the gateway writes.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        for family in text_string_to_metric_families(text):
            if family.type not in ("counter", "gauge", "histogram"):
                print(f"unexpected type {family.type} of {family.name}", file=sys.stderr)
                return 1
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                print(f"{sample.name}\t{labels}\t{sample.value!r}")
    except Exception as e:  # the parser raises ValueError and others on bad input
        print(f"does not parse: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
