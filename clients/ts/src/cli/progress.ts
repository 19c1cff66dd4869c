/**
 * The progress bar of `export` and `import` (cli-progress), on stderr: done/total, the rate per second
 * and the ETA. Shown by default only on a terminal and for many rooms (a bar for three rooms is noise);
 * --progress shows it anyway (then also off a terminal, one line per update), --no-progress never.
 */
import cliProgress from "cli-progress";

/** How many items make "many": below this, no bar unless --progress. */
export const MANY = 100;

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A bar for `total` items of `unit` ("rooms", "records"); `wanted` is --progress (true), --no-progress
 * (false) or neither (undefined).
 */
export function progressBar(total: number, unit: string, wanted: boolean | undefined): Progress {
  const tty = process.stderr.isTTY === true;
  if (wanted === false || (wanted === undefined && (!tty || total < MANY))) return NONE;
  const started = Date.now();
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    noTTYOutput: !tty,
    notTTYSchedule: 1000,
    hideCursor: tty,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { rate: "0" });
  const rate = (done: number) => (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0);
  let last = 0;
  let stopped = false;
  return {
    update(done) {
      last = done;
      bar.update(done, { rate: rate(done) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.update(last, { rate: rate(last) });
      bar.stop();
    },
  };
}
