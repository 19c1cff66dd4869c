#!/usr/bin/env bash
# Regenerates the Python stubs (roomhistory/v1/*_pb2.py, *_pb2_grpc.py, *_pb2.pyi, *_pb2_grpc.pyi) from
# proto/ with the pinned grpcio-tools and mypy-protobuf (requirements-dev.txt). grpcio-tools 1.85 types
# the messages (--pyi_out) but not the service stubs (--grpc_python_out has no .pyi form); mypy-protobuf's
# protoc-gen-mypy_grpc writes the *_pb2_grpc.pyi. Called by scripts/generate.sh; deterministic, so running
# it twice changes nothing. Python: .venv/bin/python if present, else $PYTHON, else python3.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ -x .venv/bin/python ]; then py=.venv/bin/python; else py="${PYTHON:-python3}"; fi
out=clients/python/src
plugin="$(dirname "$py")/protoc-gen-mypy_grpc"
if ! "$py" -c "import grpc_tools, mypy_protobuf" 2>/dev/null || [ ! -x "$plugin" ]; then
  echo "generate: $py lacks grpcio-tools or mypy-protobuf; run 'npm test' once (it creates .venv) or set PYTHON" >&2
  exit 1
fi

rm -f "$out"/roomhistory/v1/*_pb2.py "$out"/roomhistory/v1/*_pb2_grpc.py "$out"/roomhistory/v1/*.pyi
"$py" -m grpc_tools.protoc -Iproto \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-mypy_grpc="$plugin" --mypy_grpc_out="$out" \
  proto/roomhistory/v1/*.proto
