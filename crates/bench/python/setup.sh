#!/usr/bin/env bash
# Installs the official Python client for scenario 3 into target/bench/venv
# (where the harness looks first; GENQUEUE_BENCH_PYTHON overrides it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
python3 -m venv target/bench/venv
target/bench/venv/bin/pip install --quiet replicate
target/bench/venv/bin/python -c 'import replicate; print("replicate", replicate.__version__ if hasattr(replicate, "__version__") else "installed")'
