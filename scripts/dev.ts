// `npm run dev`: Framework's preview server (live reload, loaders run on demand), cross-origin isolated
// like `npm start`, so the train page's wasm backend runs its threaded build while a page is edited too.
//   npx tsx scripts/dev.ts [--port N] [--host H] [--no-open] [--not-isolated]
// Framework's own `observable preview` has no way to add response headers; its server is a plain
// node:http server, so a listener placed before Framework's sets them on every response. Telemetry is
// off and Framework's npm cache is seeded first, so previewing needs no network.
import { createServer, type Server } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { seedNpmVersions } from "./offline.ts";
import { ISOLATION } from "./serve.ts";

/** What the preview server keeps of its node:http server (Framework 1.13's PreviewServer). */
interface PreviewServer {
  _server: Server;
}

export interface DevOptions {
  port?: number;
  hostname?: string;
  open?: boolean;
  isolated?: boolean;
}

/**
 * Fails with a clear message when `port` is taken: Framework listens on a port it is given without
 * handling the error, which would end the process with a stack trace.
 */
async function checkPortFree(port: number, hostname: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "EADDRINUSE" ? `port ${port} on ${hostname} is in use; pick another with --port, or leave it out for the first free one from 3000` : `cannot listen on ${hostname}:${port}: ${error.message}`))
    );
    probe.listen(port, hostname, () => probe.close(() => resolve()));
  });
}

/** Starts the preview server and returns it once it listens; headers apply from the first request. */
export async function startDev({ port, hostname = "127.0.0.1", open = false, isolated = true }: DevOptions = {}): Promise<Server> {
  process.env.OBSERVABLE_TELEMETRY_DISABLE = "1";
  seedNpmVersions();
  if (port !== undefined) await checkPortFree(port, hostname);
  // @ts-expect-error Framework ships its preview module without type declarations.
  const { preview } = (await import("@observablehq/framework/dist/preview.js")) as { preview(options: object): Promise<PreviewServer> };
  const server = (await preview({ hostname, port, open, verbose: true }))._server;
  if (isolated) {
    server.prependListener("request", (_request, response) => {
      for (const [name, value] of Object.entries(ISOLATION)) response.setHeader(name, value);
    });
  }
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const usage = "usage: npm run dev -- [--port N] [--host H] [--no-open] [--not-isolated]";
  try {
    const { values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        "no-open": { type: "boolean", default: false },
        "not-isolated": { type: "boolean", default: false },
        help: { type: "boolean", default: false }
      }
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port: expected a whole number from 1 to 65535, got "${values.port}"`);
    await startDev({ port, hostname: values.host, open: !values["no-open"], isolated: !values["not-isolated"] });
    process.stderr.write(values["not-isolated"] ? "not cross-origin isolated: the train page runs wasm on one thread\n" : "cross-origin isolated: the train page may use threads\n");
  } catch (error) {
    process.stderr.write(`npm run dev: ${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}
