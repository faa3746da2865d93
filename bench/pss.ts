// Memory of a process tree as the kernel accounts it: proportional set size (PSS) summed over a
// process and all its descendants, sampled while a command runs. PSS divides each shared page
// between the processes that map it, so the sum is the tree's real footprint; summed RSS would
// count the shared pages of Node's binary and libraries once per process. Linux only (/proc).
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** One process at the moment the tree peaked. */
export interface ProcessMemory {
  pid: number;
  command: string;
  pssMB: number;
}

export interface TreeMemory {
  /** The largest summed PSS seen, MiB. */
  peakMB: number;
  /** Seconds after the start when it was seen. */
  peakAtSeconds: number;
  /** The processes of the tree at that moment, largest first. */
  atPeak: ProcessMemory[];
  /** The largest PSS of any one process at any sample, MiB. */
  largestProcessMB: number;
  samples: number;
  intervalMs: number;
  /**
   * CPU time (user + system) of every process seen, as of its last sample, summed: what a parent's
   * rusage misses when it exits before reaping its workers. A process's last interval is not counted.
   */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/PID/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process's CPU time so far (user + system, its own threads, not its children), keyed by pid and start time; null when it is gone. */
export function cpuOf(pid: number): { key: string; seconds: number } | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  // Fields after "pid (comm) ": state is field 3, so utime (14), stime (15) and starttime (22) are at 11, 12 and 19.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { key: `${pid}@${fields[19]}`, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
}

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // the process ended between listing and reading
  }
}

/** Every live descendant of `root`, and `root` itself. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A process's PSS in MiB from /proc/PID/smaps_rollup, or null when it is gone or unreadable. */
export function pssMB(pid: number): number | null {
  const rollup = read(`/proc/${pid}/smaps_rollup`);
  const match = rollup && /^Pss:\s+(\d+) kB/m.exec(rollup);
  return match ? Number(match[1]) / 1024 : null;
}

function commandOf(pid: number): string {
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (!cmdline) return "?";
  const words = cmdline.split("\0").filter(Boolean);
  // "node --import tsx loaders/experiments/workerEntry.ts" -> the script is what tells processes apart.
  const script = words.find((w) => /\.(ts|js|mjs|py)$/.test(w));
  return (script ?? words[0] ?? "?").replace(/^.*\/(loaders|bench|node_modules)\//, "$1/");
}

/** Samples the summed PSS of `root`'s tree every `intervalMs` until stop() is called. */
export class TreeSampler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private result: TreeMemory;
  private readonly cpu = new Map<string, number>();

  constructor(private readonly root: number, readonly intervalMs = 1000) {
    this.result = { peakMB: 0, peakAtSeconds: 0, atPeak: [], largestProcessMB: 0, samples: 0, intervalMs, cpuSeconds: 0 };
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const processes: ProcessMemory[] = [];
    for (const pid of processTree(this.root)) {
      const mb = pssMB(pid);
      if (mb != null) processes.push({ pid, command: commandOf(pid), pssMB: Math.round(mb * 10) / 10 });
      const cpu = cpuOf(pid);
      if (cpu) this.cpu.set(cpu.key, cpu.seconds);
    }
    if (!processes.length) return;
    const total = processes.reduce((sum, p) => sum + p.pssMB, 0);
    const r = this.result;
    r.samples++;
    r.largestProcessMB = Math.max(r.largestProcessMB, ...processes.map((p) => p.pssMB));
    if (total > r.peakMB) {
      r.peakMB = Math.round(total * 10) / 10;
      r.peakAtSeconds = Math.round((performance.now() - this.started) / 100) / 10;
      r.atPeak = processes.sort((a, b) => b.pssMB - a.pssMB);
    }
  }

  stop(): TreeMemory {
    clearInterval(this.timer);
    let cpu = 0;
    for (const seconds of this.cpu.values()) cpu += seconds;
    this.result.cpuSeconds = Math.round(cpu * 100) / 100;
    return this.result;
  }
}

/** Runs a command to its end while sampling its tree; its stdout and stderr are returned (stderr also echoed when `echo`). */
export function runSampled(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; intervalMs?: number; echo?: boolean }
): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number; memory: TreeMemory }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid == null) {
      reject(new Error(`could not start ${command}`));
      return;
    }
    const sampler = new TreeSampler(child.pid, options.intervalMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 1 << 22) stderr = stderr.slice(-(1 << 21));
      if (options.echo) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (status) => {
      resolve({ status, stdout, stderr, seconds: (performance.now() - started) / 1000, memory: sampler.stop() });
    });
  });
}
