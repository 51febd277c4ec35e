#!/usr/bin/env bash
# Checks what the platform's commands need, and says plainly what is missing.
# Usage: prereqs.sh [go] [emulator] [node]
set -u
missing=0
need() { printf 'missing prerequisite: %s\n' "$*" >&2; missing=1; }

for what in "$@"; do
  case "$what" in
  go)
    command -v go >/dev/null || need "Go 1.26 or newer (https://go.dev/dl/) on PATH"
    ;;
  emulator)
    if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
      curl -fsS -o /dev/null "${AWS_ENDPOINT_URL%/}/_localstack/health" 2>/dev/null ||
        curl -fsS -o /dev/null "${AWS_ENDPOINT_URL%/}/moto-api/" 2>/dev/null ||
        need "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL does not answer; start LocalStack (see localstack/README.md) or unset it to use moto"
    elif ! command -v python3 >/dev/null; then
      need "python3 with moto server ('pip install \"moto[server]==5.2.1\"'), or a LocalStack endpoint in AWS_ENDPOINT_URL"
    elif ! python3 -c 'import moto, flask' 2>/dev/null; then
      need "moto server for python3 ('pip install \"moto[server]==5.2.1\"'), or a LocalStack endpoint in AWS_ENDPOINT_URL"
    fi
    ;;
  node)
    command -v node >/dev/null || need "Node.js 20 or newer with npm (the web console is built and tested with it; the CDK CLI and jsii run on it)"
    command -v npm >/dev/null || need "npm (installs the console's pinned dependencies into console/node_modules and the pinned CDK CLI into infra/node_modules)"
    ;;
  esac
done
exit $missing
