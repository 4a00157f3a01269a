#!/usr/bin/env bash
# Regenerates the protobuf/gRPC stubs in proto/ from proto/brygge.proto.
# Usage: scripts/gen_proto.sh [OUT_DIR]   (default: proto/; tests use a temp dir
# to check that the committed stubs are current).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/proto}
py=${PYTHON:-python3}
"$py" -m grpc_tools.protoc -I"$root/proto" --python_out="$out" --grpc_python_out="$out" \
  --pyi_out="$out" "$root/proto/brygge.proto"
# grpc_tools emits an absolute import; make it package-relative.
sed -i 's/^import brygge_pb2 as brygge__pb2/from proto import brygge_pb2 as brygge__pb2/' "$out/brygge_pb2_grpc.py"
