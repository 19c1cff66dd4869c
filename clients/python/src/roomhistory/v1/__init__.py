"""Generated protobuf and gRPC code for package roomhistory.v1 (scripts/generate.sh; never edit)."""
