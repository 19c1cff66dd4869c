import { isIP } from "node:net";

/**
 * Safe by default (README, "TLS and tokens"): a server reachable from other hosts must encrypt and
 * authenticate, or be told explicitly that it need not. Anything but a loopback address or a Unix
 * socket counts as reachable, 0.0.0.0 and [::] included (they listen on every interface).
 */
export interface ListenSecurity {
  /** ROOMHISTORY_LISTEN. */
  listen: string;
  tls: boolean;
  /** ROOMHISTORY_TOKENS_FILE is set. */
  tokens: boolean;
  /** ROOMHISTORY_ALLOW_INSECURE=true. */
  allowInsecure: boolean;
}

/** The host part of a grpc-js bind address: `127.0.0.1:50051`, `[::1]:0`, `dns:host:port`, `unix:/p`. */
function hostOf(listen: string): string | undefined {
  if (/^unix(-abstract)?:/.test(listen)) return undefined;
  const address = listen.replace(/^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/, "");
  const bracketed = /^\[([^\]]*)\](:\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const colon = address.lastIndexOf(":");
  // A bare IPv6 address has colons of its own: it takes brackets to carry a port.
  if (isIP(address) === 6) return address;
  return colon < 0 ? address : address.slice(0, colon);
}

/** True for 127.0.0.0/8, ::1 (also as ::ffff:127.x), localhost and Unix sockets. */
export function isLoopback(listen: string): boolean {
  const host = hostOf(listen);
  if (host === undefined) return true;
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) {
    const v4 = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (v4) return v4[1].startsWith("127.");
    return /^(0{0,4}:){2,7}0{0,3}1$/.test(h) || h === "::1";
  }
  return false;
}

/** What is missing for `listen` to be safe, or [] when nothing is (loopback, or TLS and tokens). */
function missing(s: ListenSecurity): string[] {
  if (isLoopback(s.listen)) return [];
  return [
    ...(s.tls ? [] : ["TLS (ROOMHISTORY_TLS_CERT and ROOMHISTORY_TLS_KEY)"]),
    ...(s.tokens ? [] : ["tokens (ROOMHISTORY_TOKENS_FILE)"]),
  ];
}

/** Throws the one line that says what is refused and why, unless the listen address is safe or allowed. */
export function checkListen(s: ListenSecurity): void {
  const lacks = missing(s);
  if (lacks.length === 0 || s.allowInsecure) return;
  throw new Error(`refusing to listen on ${s.listen}: it is not a loopback address and ${lacks.join(" and ")} `
    + `${lacks.length > 1 ? "are" : "is"} not set, so anyone who can reach the port could read and change every room; `
    + "set them, listen on 127.0.0.1, or set ROOMHISTORY_ALLOW_INSECURE=true to listen anyway");
}

/** The warning to log when ROOMHISTORY_ALLOW_INSECURE=true let an unsafe address through. */
export function insecureListenWarning(s: ListenSecurity): string | undefined {
  const lacks = missing(s);
  if (lacks.length === 0) return undefined;
  return `listening on ${s.listen} without ${lacks.join(" or ")} because ROOMHISTORY_ALLOW_INSECURE=true: `
    + "anyone who can reach the port can read and change every room";
}
