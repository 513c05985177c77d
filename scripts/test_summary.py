#!/usr/bin/env python3
"""Totals doctest's test cases across meson's test log; prints 'N passed, N failed, N skipped'."""
import json
import re
import sys

passed = failed = skipped = 0
suites_failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        entry = json.loads(line)
        out = entry.get("stdout", "") or ""
        m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed\s*\|\s*(\d+) skipped", out)
        if m:
            passed += int(m.group(2))
            failed += int(m.group(3))
            skipped += int(m.group(4))
        elif entry.get("result") == "OK":
            passed += 1
        elif entry.get("result") == "SKIP":
            skipped += 1
        else:
            failed += 1
        if entry.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
            suites_failed += 1
            if m is None or int(m.group(3)) == 0:
                failed += 0 if m is None else 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or suites_failed else 0)
