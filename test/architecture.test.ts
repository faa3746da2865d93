// The layout of the code stays readable: imports point down the floors (.dependency-cruiser.cjs), no
// import cycles, and every source file says what it is for and stays short or says why not.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../loaders/config.ts";

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser with the project's rules over `paths` (relative to `cwd`) and returns what it found. */
function cruise(paths: string[], cwd = ROOT): Violation[] {
  const bin = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
  const result = spawnSync(process.execPath, [bin, ...paths, "--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "json"], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20
  });
  if (!result.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${result.status}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const describeAll = (violations: Violation[]) => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).join("\n");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(ts|js)$/.test(entry.name) ? [join(dir, entry.name)] : []
  );
}

describe("the layout of the code", () => {
  it("has no import that points up a floor, crosses into tests or pages, or closes a cycle", () => {
    const violations = cruise(["loaders", "src", "bench", "scripts", "observablehq.config.ts"]);
    assert.equal(violations.length, 0, describeAll(violations));
  });

  it("catches an upward import, a cycle, a component taking a value from the loaders and a browser kernel using Node", () => {
    const violations = cruise(["loaders", "src"], join(ROOT, "test", "fixtures", "layers"));
    const found = new Set(violations.map((v) => `${v.rule.name} ${v.from}`));
    assert.ok(found.has("data-imports-above loaders/data/upward.ts"), describeAll(violations));
    assert.ok([...found].some((f) => f.startsWith("no-circular loaders/report/")), describeAll(violations));
    assert.ok(found.has("components-import-loaders src/components/typed.ts"), describeAll(violations));
    assert.ok(found.has("browser-engine-imports-node loaders/engine/kernels/nodeOnly.ts"), describeAll(violations));
    assert.ok(found.has("browser-engine-imports-node-modules loaders/engine/kernels/nodeOnly.ts"), describeAll(violations));
    // The type-only import of the same component is allowed: one violation for it, not two.
    assert.equal(violations.filter((v) => v.from === "src/components/typed.ts").length, 1, describeAll(violations));
  });

  it("opens every source file with a line saying what it is for, and keeps it near 400 lines or says why", () => {
    const problems: string[] = [];
    const folders = ["loaders", "src/components", "src/data", "scripts", "bench", "test"];
    const files = folders.flatMap((folder) => sourceFiles(join(ROOT, folder))).filter((file) => !relative(ROOT, file).startsWith(join("test", "fixtures")));
    assert.ok(files.length > 200, `the walk found the project's source files (${files.length})`);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const name = relative(ROOT, file);
      if (!/^\/\/ \S/.test(text)) problems.push(`${name}: does not open with a comment line saying what it is for`);
      const lines = text.split("\n").length;
      const head = text.split("\n").slice(0, 12).join("\n");
      if (lines > 450 && !/over 400 lines/i.test(head)) problems.push(`${name}: ${lines} lines, and its opening comment does not say why it is not split`);
    }
    assert.deepEqual(problems, []);
  });
});
