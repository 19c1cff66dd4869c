import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files made with openssl for one test file: a CA, a server, clients, and a CA nobody trusts. */
export interface TestCerts {
  dir: string;
  ca: string;
  /** A second CA: what it signs, the server must refuse. */
  otherCa: string;
  /** Signed by `ca`, SAN localhost, 127.0.0.1 and ::1. */
  server: KeyPair;
  /** Another server certificate from `ca` (CN roomhistory-rotated), for reload tests. */
  rotated: KeyPair;
  /** Client certificates: valid, expired (2020), and signed by `otherCa`. */
  client: KeyPair;
  expiredClient: KeyPair;
  strangerClient: KeyPair;
}

export interface KeyPair {
  cert: string;
  key: string;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  openssl(dir, "req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`);
  return { cert, key };
}

/** A key and a CSR with the given subject alternative names, signed by `ca` for two days. */
function issue(dir: string, ca: { cert: string; key: string }, name: string, san?: string): KeyPair {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  openssl(dir, "req", "-new", ...EC, "-keyout", key, "-out", csr, "-subj", `/CN=${name}`,
    ...(san ? ["-addext", `subjectAltName=${san}`] : []));
  openssl(dir, "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "2",
    "-copy_extensions", "copy", "-out", cert);
  return { cert, key };
}

/**
 * A certificate valid only in 2020: `openssl x509` (3.0) cannot back-date, `openssl ca` can with
 * -startdate/-enddate, given a minimal CA directory.
 */
function issueExpired(dir: string, ca: { cert: string; key: string }, name: string): KeyPair {
  const caDir = join(dir, "ca-db");
  mkdirSync(join(caDir, "new"), { recursive: true });
  writeFileSync(join(caDir, "index.txt"), "");
  writeFileSync(join(caDir, "serial"), "1000\n");
  const conf = join(caDir, "ca.cnf");
  writeFileSync(conf, [
    "[ ca ]", "default_ca = test_ca", "[ test_ca ]", `database = ${caDir}/index.txt`, `new_certs_dir = ${caDir}/new`,
    `serial = ${caDir}/serial`, "default_md = sha256", "policy = any", "unique_subject = no", "[ any ]", "commonName = supplied", "",
  ].join("\n"));
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  openssl(dir, "req", "-new", ...EC, "-keyout", key, "-out", csr, "-subj", `/CN=${name}`);
  openssl(dir, "ca", "-batch", "-config", conf, "-cert", ca.cert, "-keyfile", ca.key, "-in", csr, "-out", cert,
    "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext");
  return { cert, key };
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "roomhistory-tls-"));
  const ca = makeCa(dir, "test-ca");
  const other = makeCa(dir, "other-ca");
  const san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  return {
    dir,
    ca: ca.cert,
    otherCa: other.cert,
    server: issue(dir, ca, "roomhistory-server", san),
    rotated: issue(dir, ca, "roomhistory-rotated", san),
    client: issue(dir, ca, "worker-a"),
    expiredClient: issueExpired(dir, ca, "worker-expired"),
    strangerClient: issue(dir, other, "worker-stranger"),
  };
}
