// A small static file server for the built site (dist/), with Framework's clean URLs: /page serves page.html.
//   npx tsx scripts/serve.ts [dir] [--port N] [--not-isolated]
// GET and HEAD only; content-hashed assets are cached for a year, pages are revalidated; a missing
// page gets the site's own 404 page. Errors (port taken, bad port, no build) end with a clear message.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".bin": "application/octet-stream"
};

/**
 * Framework names the files it bundles or copies after their content ("client.d10d8454.js",
 * "runs.1a2b3c4d.json"): such a file never changes, so the browser may keep it. Pages are not hashed.
 */
export const HASHED = /\.[0-9a-f]{8}\.[a-z0-9]+$/;

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export class ServeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServeError";
  }
}

/** A port from the command line: an integer from 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new ServeError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/**
 * The headers that make a page cross-origin isolated, which is what lets it share memory between threads:
 * the train page's wasm backend then runs its threaded build. The site loads nothing from elsewhere, so
 * requiring every resource to be same-origin costs it nothing.
 */
export const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

/** How serveStatic serves: cross-origin isolated (the default), or as a static host without those headers. */
export interface ServeOptions {
  isolated?: boolean;
}

/** Serves `dir` on 127.0.0.1 at `port` (0: a free one), mapping /page to page.html and / to index.html. */
export async function serveStatic(dir: string, port = 0, { isolated = true }: ServeOptions = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    const security = { "x-content-type-options": "nosniff", ...(isolated ? ISOLATION : {}) };
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { ...security, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
      return;
    }
    const send = (status: number, headers: Record<string, string>, body: Buffer | string) => {
      response.writeHead(status, { ...security, ...headers, "content-length": String(Buffer.byteLength(body)) });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      send(400, { "content-type": "text/plain; charset=utf-8" }, "bad request\n");
      return;
    }
    const path = normalize(join(root, pathname));
    if (path !== root && !path.startsWith(root + sep)) {
      send(403, { "content-type": "text/plain; charset=utf-8" }, "forbidden\n");
      return;
    }
    const candidates = pathname.endsWith("/") ? [join(path, "index.html")] : [path, `${path}.html`, join(path, "index.html")];
    const file = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (!file) {
      const notFound = join(root, "404.html");
      send(404, { "content-type": MIME[".html"], "cache-control": "no-cache" }, existsSync(notFound) ? readFileSync(notFound) : "not found\n");
      return;
    }
    const cache = HASHED.test(file) ? "public, max-age=31536000, immutable" : "no-cache";
    send(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": cache }, readFileSync(file));
  });
  await new Promise<void>((done, fail) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      fail(
        error.code === "EADDRINUSE"
          ? new ServeError(`port ${port} on 127.0.0.1 is already in use (another server, or an earlier \`npm start\`?): stop it, or pick another with --port N`)
          : error.code === "EACCES"
            ? new ServeError(`not allowed to listen on port ${port}: pick one above 1023 with --port N`)
            : error
      )
    );
    server.listen(port, "127.0.0.1", () => done());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    close: () => new Promise<void>((done) => server.close(() => done()))
  };
}

// Run as a script (compared as URLs, so that a path with spaces or other escaped characters matches).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { port: { type: "string", default: "3000" }, "not-isolated": { type: "boolean", default: false } }
    });
    const dir = positionals[0] ?? "dist";
    const port = parsePort(values.port!);
    if (!existsSync(join(dir, "index.html"))) throw new ServeError(`${join(resolve(dir), "index.html")} not found: build the site first (npm run build)`);
    const isolated = !values["not-isolated"];
    const { url } = await serveStatic(dir, port, { isolated });
    process.stderr.write(`serving ${resolve(dir)} at ${url}/${isolated ? " (cross-origin isolated: the train page may use threads)" : ""} (Ctrl-C stops)\n`);
  } catch (error) {
    if (!(error instanceof ServeError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")) throw error;
    process.stderr.write(`serve: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
