#!/usr/bin/env bash
# Builds weir with the micro-benchmarks (-Dbench=enabled) into ${BUILD_DIR:-build} and runs
# every micro-benchmark executable ($BUILD_DIR/bench/*/*_bench), one after the other.
# BENCH_MIN_TIME: seconds per benchmark (--benchmark_min_time, default 0.2). Extra
# arguments go to every executable, e.g. --benchmark_filter=Find --benchmark_format=json.
# Which binary runs is printed on stderr, so stdout stays one report per binary.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
min_time=${BENCH_MIN_TIME:-0.2}
./scripts/build.sh -Dbench=enabled  # `meson setup` arguments apply to a new build only
bench_opt=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "bench"))')
if [ "$bench_opt" != enabled ]; then  # an existing build configured without them
  meson configure "$build" -Dbench=enabled >/dev/null
  ninja -C "$build" >/dev/null
fi
shopt -s nullglob
benches=("$build"/bench/*/*_bench)
if [ ${#benches[@]} -eq 0 ]; then
  echo "microbench: no benchmark executables under $build/bench" >&2
  exit 1
fi
rc=0
for b in "${benches[@]}"; do
  echo "=== $b" >&2
  "$b" --benchmark_min_time="$min_time" "$@" || rc=1
done
exit $rc
