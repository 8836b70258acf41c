#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run the whole suite.
#   bash scripts/test.sh            (what the README says, and what .ci/run calls)
# System packages come from Debian (apt-get, as root, only when missing); Python packages
# from pyproject.toml into .venv. PostGIS is started on loopback for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)

# --- system packages --------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)   # PDFs read back in the tests
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need+=(fonts-wqy-microhei fontconfig)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${need[*]} (run as root, or install them with apt-get)" >&2
    exit 1
  fi
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Python environment -----------------------------------------------------------------
bash scripts/setup.sh ".[test,postgis,dask,outlines]"
# shellcheck disable=SC1091
source .venv/bin/activate

# --- PostGIS on loopback ----------------------------------------------------------------
source scripts/postgis.sh
start_postgis
trap stop_postgis EXIT

# --- checks and tests -------------------------------------------------------------------
ruff check planning tests benchmarks layers notebooks
mypy
lint-imports --no-cache   # the layering contract in pyproject.toml ([tool.importlinter])
# copied logic (docstrings, signatures and imports are not code to share)
pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 --ignore-docstrings=y \
  --ignore-signatures=y --ignore-comments=y --ignore-imports=y --score=n planning
python -m pytest --doctest-modules planning tests "$@"
