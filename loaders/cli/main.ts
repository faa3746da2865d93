// How `npm run train` reads its options and ends. A mistake in the call or in the declarations, or a
// dataset not installed, is the user's to fix: one line on stderr naming the value, exit code 2.
// Anything else is a fault of ours and keeps its stack.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DeclarationError } from "../spec/errors.ts";
import { DatasetNotInstalledError } from "../data/dataset.ts";

/** A bad option or argument: reported in one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** node:util's parseArgs, with its errors (unknown option, missing value) as UsageErrors. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

/** A whole number of at least 1 from an option's text, or a UsageError naming the option. */
export function positiveInteger(option: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number of at least 1, got "${text}"`);
  return n;
}

/** Runs a script's main and sets the exit code: main's own, 2 for a usage or declaration error. */
export async function runMain(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof DeclarationError || error instanceof DatasetNotInstalledError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exitCode = 2;
  }
}
