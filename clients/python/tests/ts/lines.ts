/** Line-oriented stdin for the helper scripts: the Python test drives them one line at a time. */
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** The lines of stdin, each as soon as it arrives. */
export async function* eachLine(): AsyncGenerator<string> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) return;
    yield value;
  }
}

/** Every remaining line of stdin. */
export async function allLines(): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const { value, done } = await lines.next();
    if (done) return out;
    out.push(value);
  }
}

/** One JSON object per stdout line. */
export function emit(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}
