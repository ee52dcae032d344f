#!/usr/bin/env python3
"""One CSV row per entity of a model (kind, id, compact JSON body): the baseline's input.

The same rows ebcm stores, so the sqlite3 shell imports the same amount of data.
"""
import csv
import json
import sys

SECTIONS = [("business_units", "business_unit"), ("locations", "location"), ("people", "person"),
            ("services", "service"), ("functions", "function"), ("mitigations", "mitigation"),
            ("scenarios", "scenario")]


def main():
    with open(sys.argv[1]) as f:
        model = json.load(f)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["organization", "", json.dumps(model.get("organization", {}), separators=(",", ":"))])
    for key, kind in SECTIONS:
        for item in model.get(key, []):
            w.writerow([kind, item["id"], json.dumps(item, separators=(",", ":"))])


if __name__ == "__main__":
    main()
