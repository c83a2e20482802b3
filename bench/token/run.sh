#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds and runs the token micro-benchmark in an optimised build of its own.
# Usage: bench/token/run.sh [SECONDS_PER_OPERATION]   (from the source root)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSESAM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target sesam_token_bench >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -r), $(openssl version)"
"$build/bench/token/sesam_token_bench" "${1:-2}"
