#!/usr/bin/env bash
# Set up (.venv with the toolkit) and run the main job on the Taiqian sample:
#   bash scripts/demo.sh        -> maps/meeting.html, maps/conformity.xlsx, maps/briefing.html
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "."
exec .venv/bin/planning demo --output maps "$@"
