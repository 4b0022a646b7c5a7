/**
 * A reference gateway in its own OS process, for suites that need several instances (distributed mode) and need to
 * kill one of them as a crash would (SIGKILL), which an in-process gateway cannot show.
 */
import type { GatewayOptions, GatewayUrl } from "../../reference-gateway/index.ts";
import { spawnNode } from "./processes.ts";

const MAIN = new URL("./gateway-process-main.ts", import.meta.url).pathname;

export interface GatewayProcess {
  urls: GatewayUrl[];
  pid: number;
  /** Everything the gateway logged so far. */
  log(): string;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM: the gateway closes gracefully; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a gateway with JSON-serialisable options (no functions: `log` is the process's stderr). */
export async function startGatewayProcess(options: Omit<GatewayOptions, "log" | "model" | "templateEngine">, timeoutMs = 30_000): Promise<GatewayProcess> {
  const child = spawnNode(["--import", "tsx", MAIN, JSON.stringify(options)], ["ignore", "pipe", "pipe"]);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const urls = await new Promise<GatewayUrl[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway process not ready within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    const poll = setInterval(() => {
      const line = /^gateproof-urls (.*)$/m.exec(stdout);
      if (line) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!) as GatewayUrl[]);
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`gateway process exited with ${child.exitCode}: ${stderr}`));
      }
    }, 25);
  });
  return {
    urls,
    pid: child.pid!,
    log: () => stderr,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exit;
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
}
