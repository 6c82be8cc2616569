#!/usr/bin/env bash
# Builds weir and runs the test suite (GoogleTest suites through meson). Idempotent.
# BUILD_DIR and extra `meson setup` arguments select other builds (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh "$@"
build=${BUILD_DIR:-build}
set +e
meson test -C "$build" --print-errorlogs --num-processes 2
rc=$?
set -e
# One closing line in the plain form CI reads: 'N passed, N failed, N skipped'.
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys, re
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") or ""
    p = re.search(r"\[  PASSED  \] (\d+) test", out)
    f = re.search(r"\[  FAILED  \] (\d+) test", out)
    s = re.search(r"\[  SKIPPED \] (\d+) test", out)
    if p or f:
        passed += int(p.group(1)) if p else 0
        failed += int(f.group(1)) if f else 0
        skipped += int(s.group(1)) if s else 0
    elif t.get("result") == "OK":
        passed += 1
    elif t.get("result") == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
