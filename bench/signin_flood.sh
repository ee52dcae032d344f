#!/usr/bin/env bash
# Benchmark: a flood of bad sign-ins against `ebcm serve` (examples/contoso.yaml, argon2id at its
# real cost): PATCH /api/v1/functions/payroll and GET /readyz, one after the other for DURATION
# seconds, p50/p99 without the flood (the baseline) and then with EBCM_FLOOD_CLIENTS clients
# each sending wrong passwords for fresh names from an address of its own (127.0.x.y), and how
# the sign-ins were answered (401 after argon2id, 429 when the sign-in pool was full).
# Not a test (tests/functional/test_signin_flood.py is): these machines are noisy.
# Settings (environment): DURATION=10 EBCM_FLOOD_CLIENTS=150
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
echo "sign-in flood: ${EBCM_FLOOD_CLIENTS:-150} clients, ${DURATION:-10} s each way"
EBCM_BIN=$ebcm EBCM_SHARED_DIR=$shared python3 bench/signin_flood.py
