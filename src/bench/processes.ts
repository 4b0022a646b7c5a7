import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A server under test, in its own process so the load generator does not share its event loop. */
export interface ServerProcess {
  url: string;
  /** The first HTTP API's base URL, when the server has one. */
  httpApiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

const here = new URL(".", import.meta.url).pathname;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
}

async function waitFor<T>(what: string, child: ChildProcess, poll: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const value = await poll();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

export async function startBareServer(): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(here, "bare-server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor("bare server", child, async () => output.match(/^(http:\S+)\n/m)?.[1]);
  return { url, pid: child.pid!, stop: async () => void (child.kill("SIGTERM"), await exited(child)) };
}

/** `gateproof serve` on the bench template; resolves with the stage URL from --urls-file. */
export async function startReferenceGateway(): Promise<ServerProcess> {
  const urlsFile = join(tmpdir(), `gateproof-bench-urls-${process.pid}.json`);
  await rm(urlsFile, { force: true });
  const child = spawn(
    process.execPath,
    [join(here, "../gateproof.mjs"), "serve", join(here, "fixture/template.yaml"), "--port", "0", "--urls-file", urlsFile],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  let httpApiUrl: string | undefined;
  const url = await waitFor("reference gateway", child, async () => {
    try {
      const urls = JSON.parse(await readFile(urlsFile, "utf8")) as Array<{ url: string; type?: string }>;
      httpApiUrl = urls.find((u) => u.type === "HTTP")?.url;
      return urls.find((u) => u.type === "REST")?.url;
    } catch {
      return undefined;
    }
  });
  return { url, ...(httpApiUrl ? { httpApiUrl } : {}), pid: child.pid!, stop: async () => void (child.kill("SIGTERM"), await exited(child), await rm(urlsFile, { force: true })) };
}
