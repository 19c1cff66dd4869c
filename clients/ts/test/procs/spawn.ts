import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** A script of this folder as a child process (`node --import tsx`), with an IPC channel. */
export class Proc {
  readonly child: ChildProcess;
  output = "";
  private readonly messages: unknown[] = [];
  private readonly waiting: ((m: unknown) => void)[] = [];

  /** `script` is relative to this folder. */
  constructor(script: string, env: Record<string, string>, args: string[] = []) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    this.child = spawn(process.execPath, ["--import", "tsx", path, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.on("message", (m) => {
      const w = this.waiting.shift();
      if (w) w(m);
      else this.messages.push(m);
    });
  }

  /** The next IPC message; rejects if the process exits first. */
  next<T>(): Promise<T> {
    if (this.messages.length) return Promise.resolve(this.messages.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`process exited (${code}) before answering:\n${this.output}`));
      this.child.once("exit", onExit);
      this.waiting.push((m) => {
        this.child.off("exit", onExit);
        resolve(m as T);
      });
    });
  }

  send(message: object): void {
    this.child.send(message);
  }

  /** Resolves with the exit code once the process ends; rejects on a failure exit. */
  async exited(): Promise<void> {
    const [code] = this.child.exitCode !== null ? [this.child.exitCode] : ((await once(this.child, "exit")) as [number | null]);
    if (code !== 0) throw new Error(`process exited with ${code}:\n${this.output}`);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
