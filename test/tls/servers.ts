import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import pino from "pino";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { loadConfig } from "../../src/config.js";
import { startApp } from "../../src/app.js";
import type { RunningServer } from "../../src/server/server.js";
import type { KeyPair } from "./certs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An in-process server on 127.0.0.1:0 from environment-style settings (ROOMHISTORY_TLS_* among them). */
export async function startServerWith(env: Record<string, string>): Promise<RunningServer> {
  const config = loadConfig({ ROOMHISTORY_LISTEN: "127.0.0.1:0", ...env });
  const logger = pino({ level: process.env.ROOMHISTORY_TEST_LOG ?? "silent" });
  return startApp({ ...config, shutdownGraceMs: 2000 }, logger);
}

/** TLS channel credentials trusting `ca`, presenting `client` when given. */
export function tlsCredentials(ca: string, client?: KeyPair): ChannelCredentials {
  return credentials.createSsl(readFileSync(ca), client && readFileSync(client.key), client && readFileSync(client.cert));
}

/** A client with its own connection: grpc-js would otherwise share one between equal channels. */
export function clientFor(address: string, creds: ChannelCredentials): RoomHistoryServiceClient {
  return new RoomHistoryServiceClient(address, creds, { "grpc.use_local_subchannel_pool": 1 });
}

/** The subject CN of the certificate a new TLS connection to `port` is served. */
export function servedCommonName(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(ca), ALPNProtocols: ["h2"] }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join(",") : cn);
    });
    socket.once("error", reject);
  });
}

/** grpcurl: .tools/bin (scripts/test.sh installs it there) or PATH. */
export function grpcurlBinary(): string {
  const local = `${ROOT}.tools/bin/grpcurl`;
  return existsSync(local) ? local : "grpcurl";
}

export interface GrpcurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs grpcurl with `args`; resolves with its exit code and output (never rejects on a failed call). */
export function grpcurl(...args: string[]): Promise<GrpcurlResult> {
  return new Promise((resolve, reject) => {
    execFile(grpcurlBinary(), ["-max-time", "10", ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") {
        reject(new Error(`grpcurl did not run (${err.message}): run scripts/test.sh, which installs it`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
