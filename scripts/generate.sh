#!/usr/bin/env bash
# Regenerates every generated file from proto/: the TypeScript stubs (ts-proto, one copy under
# clients/ts/src/gen used by the server and the client package), the descriptor sets the server's
# reflection serves, and the Python stubs (grpcio-tools) under clients/python. CI runs it and fails
# when the tree changes. Python generation needs the venv from scripts/test.sh (or PYTHON=...).
set -euo pipefail
cd "$(dirname "$0")/.."
buf=node_modules/.bin/buf

"$buf" lint
"$buf" generate
"$buf" build proto --as-file-descriptor-set -o src/gen/roomhistory.binpb
"$buf" build node_modules/grpc-health-check/proto --as-file-descriptor-set -o src/gen/health.binpb
# google.rpc.ErrorInfo, so grpcurl can print the details of a failed call through reflection.
"$buf" build node_modules/google-proto-files --path node_modules/google-proto-files/google/rpc/error_details.proto \
  --as-file-descriptor-set -o src/gen/error_details.binpb

if [ -f clients/python/scripts/generate.sh ]; then
  bash clients/python/scripts/generate.sh
fi
