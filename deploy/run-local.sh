#!/usr/bin/env bash
# Starts the deploy/ recipe for real on loopback: a fresh schema on the local PostgreSQL,
# `byline migrate` once, two `byline serve` nodes with migrations off, nginx in front; checks a
# page and a live comment through nginx, then stops everything. Pass --bench to also measure.
#   BYLINE_DEPLOY_PG_URL (default: $BYLINE_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx deploy/run-local.ts "$@"
