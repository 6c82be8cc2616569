#!/usr/bin/env bash
# Configures (once) and builds weir into ${BUILD_DIR:-build}. Idempotent.
# Extra arguments go to `meson setup` (e.g. -Db_sanitize=address,undefined).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --werror "$@" >/dev/null
fi
ninja -C "$build" >/dev/null
