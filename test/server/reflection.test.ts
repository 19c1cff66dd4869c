import { fileURLToPath } from "node:url";
import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

// grpcurl and `buf curl` decode a status detail by resolving its type URL through reflection
// (file_containing_symbol); this asks the same question over the real protocol.
const PROTO = fileURLToPath(
  new URL("../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto", import.meta.url),
);

interface ReflectionReply {
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionClient = Client & {
  ServerReflectionInfo(): ClientDuplexStream<{ fileContainingSymbol: string }, ReflectionReply>;
};

function ask(client: ReflectionClient, symbol: string): Promise<ReflectionReply> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on("data", (reply: ReflectionReply) => {
      resolve(reply);
      call.end();
    });
    call.on("error", reject);
    call.write({ fileContainingSymbol: symbol });
  });
}

describe("reflection", () => {
  let server: TestServer;
  let client: ReflectionClient;
  beforeAll(async () => {
    server = await startTestServer();
    const pkg = loadPackageDefinition(loadSync(PROTO, { keepCase: false })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => ReflectionClient } } };
    };
    client = new pkg.grpc.reflection.v1.ServerReflection(server.address, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it.each(["google.rpc.ErrorInfo", "google.rpc.RetryInfo", "google.rpc.BadRequest"])(
    "resolves the error detail type %s",
    async (symbol) => {
      const reply = await ask(client, symbol);
      expect(reply.errorResponse).toBeUndefined();
      const files = reply.fileDescriptorResponse?.fileDescriptorProto ?? [];
      expect(files.length).toBeGreaterThan(0);
      const name = symbol.split(".").pop()!;
      expect(files.some((f) => Buffer.from(f).includes(name))).toBe(true);
    },
  );

  it("resolves the service itself", async () => {
    const reply = await ask(client, "roomhistory.v1.RoomHistoryService");
    expect(reply.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
  });
});
