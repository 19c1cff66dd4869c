import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { ReflectionService } from "@grpc/reflection";
import type { Server } from "@grpc/grpc-js";

/**
 * Descriptor sets written by `npm run generate` (buf build, imports included). Feeding them to the
 * reflection service directly, rather than through proto-loader, keeps the well-known types
 * (Timestamp, Struct) resolvable for grpcurl; proto-loader's package definitions drop them
 * (grpc/grpc-node#2958).
 */
const DESCRIPTOR_SETS = ["roomhistory.binpb", "health.binpb", "error_details.binpb"];

/** The FileDescriptorProto bytes of a FileDescriptorSet (field 1, repeated). */
function fileDescriptors(set: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(set);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes());
    else reader.skip(wireType);
  }
  return files;
}

export function addReflection(server: Server): void {
  const dir = fileURLToPath(new URL("../gen/", import.meta.url));
  const fileDescriptorProtos = DESCRIPTOR_SETS.flatMap((name) => fileDescriptors(readFileSync(dir + name)));
  // ReflectionService reads only `fileDescriptorProtos` from each entry of a package definition.
  const definition = { descriptors: { fileDescriptorProtos } };
  new ReflectionService(definition as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(server);
}
