/**
 * Processes the bench starts: the roomhistory server (`src/main.ts`, as in production) and bench
 * helpers (baseline servers, watcher and poller fleets) that talk to the bench over Node's IPC.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "../../test/helpers/ports.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Resident memory of a process in KiB (VmRSS in /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/<pid>/stat, in clock ticks). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this bench targets (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill("SIGKILL"), 5000);
    proc.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

/** Set (by `npm run bench -- --cpu-prof <dir>`) to the directory every roomhistory server writes a CPU profile to. */
export const CPU_PROF_ENV = "ROOMHISTORY_BENCH_CPU_PROF";

/** The roomhistory server as its own process, started the way production starts it. */
export class ServiceProcess {
  private log = "";

  private constructor(private readonly proc: ChildProcess, readonly address: string) {
    proc.stdout!.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    proc.stderr!.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
  }

  /** `nodeArgs`: extra node flags, e.g. `--cpu-prof` to profile the server under a scenario. */
  static async start(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
    const address = `127.0.0.1:${await freePort()}`;
    const profDir = process.env[CPU_PROF_ENV];
    const prof = profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
    const proc = spawn(process.execPath, [...prof, ...nodeArgs, "--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, ROOMHISTORY_LOG_LEVEL: "info", ...env, ROOMHISTORY_LISTEN: address },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const s = new ServiceProcess(proc, address);
    await waitFor(() => s.log.includes("serving on") || proc.exitCode !== null, 30_000, "roomhistory server");
    if (proc.exitCode !== null) throw new Error(`roomhistory server exited: ${s.log}`);
    return s;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  rssKiB(): number {
    return rssKiB(this.pid);
  }

  /** Warnings and errors the server logged (a bench run should have none). */
  problems(): string[] {
    return this.log.split("\n").filter((l) => /"level":(40|50|60)/.test(l));
  }

  stop(): Promise<void> {
    return stopProcess(this.proc);
  }
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
type FromChild = { type: "ready"; info: unknown } | ({ type: "reply" } & Reply) | { type: "event"; event: unknown };

/** A bench helper process (a `.ts` file under bench/) driven by commands over IPC. */
export class Helper<Info = unknown, Event = unknown> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private listener: (e: Event) => void = () => undefined;
  info!: Info;

  private constructor(private readonly proc: ChildProcess) {}

  /** Forks `file` (relative to bench/) and waits for its `ready` message. */
  static async start<I, E>(file: string, env: Record<string, string> = {}): Promise<Helper<I, E>> {
    const proc = fork(fileURLToPath(new URL(`../${file}`, import.meta.url)), [], {
      cwd: ROOT,
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const h = new Helper<I, E>(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
      proc.on("message", (m: FromChild) => {
        if (m.type === "ready") {
          h.info = m.info as I;
          resolve();
        } else if (m.type === "event") h.listener(m.event as E);
        else h.settle(m);
      });
    });
    return h;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  onEvent(listener: (e: Event) => void): void {
    this.listener = listener;
  }

  call<T = unknown>(cmd: string, args: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  stop(): Promise<void> {
    this.proc.removeAllListeners("exit");
    return stopProcess(this.proc);
  }

  private settle(m: Reply): void {
    const w = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (!w) return;
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error));
  }
}

/** The helper side: answers the parent's commands and reports `ready` with `info`. */
export function serveParent(handlers: Record<string, (args: never) => unknown>, info: unknown): void {
  const send = (m: FromChild) => process.send!(m);
  /** Never rejects: a failure is the reply. */
  const answer = async (m: { id: number; cmd: string; args: never }) => {
    try {
      const fn = handlers[m.cmd];
      if (!fn) throw new Error(`unknown command ${m.cmd}`);
      send({ type: "reply", id: m.id, ok: true, result: (await fn(m.args)) ?? null });
    } catch (err) {
      send({ type: "reply", id: m.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  };
  process.on("message", (m: { id: number; cmd: string; args: never }) => void answer(m));
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", info });
}

/** Sends one event to the parent. */
export function emitToParent(event: unknown): void {
  process.send!({ type: "event", event });
}

export { waitFor };
