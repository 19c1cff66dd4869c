#!/usr/bin/env bash
# Regenerates the Python stubs (roomhistory/v1/*_pb2.py, *_pb2_grpc.py, *.pyi) from proto/ with the
# pinned grpcio-tools (requirements-dev.txt). Called by scripts/generate.sh; deterministic, so running
# it twice changes nothing. Python: .venv/bin/python if present, else $PYTHON, else python3.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ -x .venv/bin/python ]; then py=.venv/bin/python; else py="${PYTHON:-python3}"; fi
out=clients/python/src
if ! "$py" -c "import grpc_tools" 2>/dev/null; then
  echo "generate: $py has no grpcio-tools; run 'npm test' once (it creates .venv) or set PYTHON" >&2
  exit 1
fi

rm -f "$out"/roomhistory/v1/*_pb2.py "$out"/roomhistory/v1/*_pb2_grpc.py "$out"/roomhistory/v1/*_pb2.pyi
"$py" -m grpc_tools.protoc -Iproto \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  proto/roomhistory/v1/*.proto
