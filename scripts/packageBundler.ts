// Bundles an npm package for the page into Framework's `_node` cache with esbuild, in Framework's layout:
// one file per import specifier, named `<name>@<version>/<path>`, minified for the same browsers, every
// other package imported by relative path and bundled in turn. Framework's own bundler runs rollup with
// esbuild as a per-module transform, which on the tfjs packages was most of a build on a fresh checkout;
// esbuild alone is much faster. A package with CommonJS modules goes to Framework's bundler instead,
// whose CommonJS conversion (named exports) is what importers expect.
import { build, type Plugin } from "esbuild";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { extname } from "node:path/posix";
import { pathToFileURL } from "node:url";
import { SRC } from "./siteSources.ts";

const FRAMEWORK = join(import.meta.dirname, "..", "node_modules", "@observablehq", "framework", "dist");

interface FrameworkParts {
  resolveNodeImport(root: string, spec: string): Promise<string>;
  rewriteNpmImports(code: string, resolve: (spec: string) => string | undefined): string;
  relativePath(source: string, target: string): string;
  isNodeBuiltin(spec: string): boolean;
}

let frameworkParts: Promise<FrameworkParts> | undefined;
/** The pieces of Framework this module shares with Framework's bundler, so both name and link files alike. */
function framework(): Promise<FrameworkParts> {
  const load = (file: string) => import(pathToFileURL(join(FRAMEWORK, file)).href);
  frameworkParts ??= Promise.all([load("node.js"), load("npm.js"), load("path.js")]).then(([node, npm, path]) => ({
    resolveNodeImport: node.resolveNodeImport,
    isNodeBuiltin: node.isNodeBuiltin,
    rewriteNpmImports: npm.rewriteNpmImports,
    relativePath: path.relativePath
  }));
  return frameworkParts;
}

/** Where an import specifier resolves from a folder, named as Framework names its bundle. */
export interface Resolution {
  /** The file Node resolves the specifier to. */
  file: string;
  /** The package folder holding that file (the nearest package.json). */
  packageDir: string;
  /** `<name>@<version>/<path>`: the bundle's path under `_node`. */
  name: string;
}

/** Framework's naming rule for a bundle (dist/node.js): package name, the installed version, the subpath or index.js. */
export function resolveSpecifier(spec: string, fromDir: string): Resolution {
  const parts = spec.split("/");
  const packageName = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const path = parts.slice(spec.startsWith("@") ? 2 : 1).join("/") || ".";
  const file = createRequire(pathToFileURL(join(fromDir, "/"))).resolve(spec);
  let packageDir = dirname(file);
  while (!existsSync(join(packageDir, "package.json"))) {
    if (dirname(packageDir) === packageDir) throw new Error(`bundling ${spec}: no package.json above ${file}`);
    packageDir = dirname(packageDir);
  }
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version?: string };
  return { file, packageDir, name: `${packageName}@${version}/${extname(path) ? path : path === "." ? "index.js" : `${path}.js`}` };
}

/** How one package's bundle was made. */
export type BundleOutcome = "esbuild" | "framework" | "cached";

/** Bundles specifiers and the packages they import into a `_node` folder; one instance per build step. */
export class PackageBundler {
  private readonly jobs = new Map<string, Promise<void>>();
  /** Every bundle this instance made, by `_node` path, with who made it. */
  readonly made = new Map<string, BundleOutcome>();

  private readonly cache: string;

  /** `root` is the site's source folder, as Framework's; its bundles go to `<root>/.observablehq/cache/_node`. */
  constructor(private readonly root = SRC) {
    this.cache = join(root, ".observablehq", "cache", "_node");
  }

  /**
   * Bundles `spec` (resolved from the site's folder) with esbuild, or where that fails, says why through
   * `log` and leaves it to Framework's bundler, which then makes it and what it imports.
   */
  async bundleOrLeave(spec: string, log: (line: string) => void): Promise<void> {
    try {
      await this.bundle(spec);
    } catch (error) {
      log(`browser bundles: ${spec} left to Framework's bundler (${(error as Error).message.split("\n")[0]})`);
      this.made.set(await this.byFramework(spec), "framework");
    }
  }

  /** Framework's own bundle of `spec` from the site's folder; its `/_node/` path. */
  private async byFramework(spec: string): Promise<string> {
    const path = await (await framework()).resolveNodeImport(this.root, spec);
    if (!existsSync(join(this.cache, path.slice("/_node/".length)))) throw new Error(`bundling ${spec}: Framework named ${path} but did not write it`);
    return path;
  }

  /**
   * Makes sure `spec`, resolved from `fromDir`, and everything it imports are in the cache; returns its
   * `/_node/` path. `importers` are the bundles waiting on this one: a package importing one of them back
   * does not wait for it (it is written once its own imports are).
   */
  async bundle(spec: string, fromDir = this.root, importers: ReadonlySet<string> = new Set()): Promise<string> {
    const target = resolveSpecifier(spec, fromDir);
    const output = join(this.cache, target.name);
    if (importers.has(output)) return `/_node/${target.name}`;
    if (!this.jobs.has(output)) {
      if (existsSync(output)) {
        this.made.set(`/_node/${target.name}`, "cached");
        return `/_node/${target.name}`;
      }
      this.jobs.set(output, this.write(spec, target, output, new Set([...importers, output])));
    }
    await this.jobs.get(output);
    return `/_node/${target.name}`;
  }

  private async write(spec: string, target: Resolution, output: string, importers: ReadonlySet<string>): Promise<void> {
    const { rewriteNpmImports, relativePath, isNodeBuiltin } = await framework();
    const path = `/_node/${target.name}`;
    const imported = new Map<string, string>();
    const external: Plugin = {
      name: "other-packages",
      setup(build) {
        build.onResolve({ filter: /^entry:/ }, async (args) => {
          const found = await build.resolve(spec, { kind: "import-statement", resolveDir: target.packageDir });
          return found.errors.length ? { errors: found.errors } : { path: found.path };
        });
        // As in Framework's bundler: a bare specifier other than the package's own entry is another bundle.
        // Node's modules and `require()` stay with esbuild, which applies the package's browser field
        // (fs: false) and fails on what it cannot map, so that Framework's bundler takes the package.
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.kind === "require-call" || args.kind === "entry-point" || args.path === spec || /^[\w-]+:/.test(args.path)) return undefined;
          if (isNodeBuiltin(args.path)) return undefined;
          imported.set(args.path, resolveSpecifier(args.path, target.packageDir).name);
          return { path: `/_node/${imported.get(args.path)}`, external: true };
        });
      }
    };
    const result = await build({
      entryPoints: [`entry:${spec}`],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "browser",
      target: ["es2022", "chrome96", "firefox96", "safari16", "node18"],
      define: { "process.env.NODE_ENV": JSON.stringify("production") },
      minify: true,
      logLevel: "silent",
      plugins: [external]
    });
    const commonJs = Object.entries(result.metafile.inputs).filter(([, input]) => input.format === "cjs");
    if (commonJs.length) {
      // Framework's bundler resolves from the site's folder: it can stand in only for the same installed copy.
      if (resolveSpecifier(spec, this.root).name !== target.name) throw new Error(`bundling ${spec}: it has CommonJS modules (${commonJs[0][0]}) and another installed copy shadows it from ${this.root}`);
      if ((await this.byFramework(spec)) !== path) throw new Error(`bundling ${spec}: Framework named it differently from ${path}`);
      this.made.set(path, "framework");
      return;
    }
    // The packages it imports first, as Framework does: a bundle on disk counts as done, so it must never
    // be there without its imports (after a failure, or a build stopped half-way).
    await Promise.all([...imported.keys()].map((other) => this.bundle(other, target.packageDir, importers)));
    const code = rewriteNpmImports(result.outputFiles[0].text, (i) => (i.startsWith("/_node/") ? relativePath(path, i) : i));
    mkdirSync(dirname(output), { recursive: true });
    const temporary = `${output}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, output);
    this.made.set(path, "esbuild");
  }
}
