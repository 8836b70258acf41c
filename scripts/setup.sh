#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install the project into it.
#   bash scripts/setup.sh [pip requirement, default "."]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-.}
py=""
for cand in python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
     "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py=$cand; break
  fi
done
if [ -z "$py" ]; then
  echo "Python 3.11 or newer is needed (apt-get install python3)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e "$target"
