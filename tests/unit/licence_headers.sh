#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every source, build and script file names its licence (SPDX), so that a
# file copied out of the tree still says under which terms.
set -eu
top=$1
cd "$top"
missing=$(git ls-files -- '*.cpp' '*.h' '*.py' '*.sh' '*.mjs' '*.js' '*.css' '*.lua' \
  'CMakeLists.txt' '*/CMakeLists.txt' '*.cmake' 'Makefile' 'scripts/*' '.ci/run' \
  'packaging/systemd/*' 'packaging/nginx/*' 'packaging/apache/*' 'packaging/rpm/*' |
  while read -r f; do
    head -n 3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"
  done)
if [ -n "$missing" ]; then
  echo "no SPDX-License-Identifier in:"
  echo "$missing"
  exit 1
fi
echo "licence headers: every file names Apache-2.0"
