// Terminal progress for training runs, written to stderr (stdout of a data loader is its output file).

export interface ProgressState {
  run: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  etaSeconds: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function formatProgress(p: ProgressState): string {
  return (
    `[${p.run}] epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}` +
    ` loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)}` +
    ` | ${Math.round(p.samplesPerSecond).toLocaleString("en-US")} samples/s | ETA ${formatDuration(p.etaSeconds)}`
  );
}

/**
 * A progress reporter. On a terminal it redraws one line in place; otherwise (CI logs, Framework
 * builds) it prints a line at most every `intervalMs` and at the end of each epoch.
 */
export class Progress {
  private last = 0;
  private readonly tty: boolean;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 200 : 10_000
  ) {
    this.tty = Boolean(stream.isTTY) && !process.env.CI;
  }
  update(state: ProgressState, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const line = formatProgress(state);
    if (this.tty) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }
  log(message: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${message}\n`);
    else this.stream.write(`${message}\n`);
  }
}
