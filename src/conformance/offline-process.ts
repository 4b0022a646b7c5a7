import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import net from "node:net";
import { join } from "node:path";

/** A running `serverless offline`, started from a scratch install; the conformance run and the bench share it. */
export interface OfflineProcess {
  url: string;
  pid: number;
  command: string;
  stop(): Promise<void>;
}

export interface OfflineStart {
  /** The scratch folder holding serverless.yml and node_modules. */
  dir: string;
  /** The stage in serverless.yml, the first path segment of its URLs. */
  stage: string;
  /** A path under the stage that answers 2xx once serverless offline serves. */
  readyPath: string;
  logFile: string;
  inProcess: boolean;
  timeoutMs: number;
  env?: Record<string, string>;
  /** `taskset -c` CPU list for benchmark placement. */
  cpus?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startOffline(options: OfflineStart): Promise<OfflineProcess> {
  const { dir, logFile, inProcess, cpus } = options;
  const [httpPort, lambdaPort, websocketPort] = [await freePort(), await freePort(), await freePort()];
  const args = ["offline", "start", "--host", "127.0.0.1", "--httpPort", String(httpPort), "--lambdaPort", String(lambdaPort), "--websocketPort", String(websocketPort)];
  if (inProcess) args.push("--useInProcess");
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off", ...options.env };
  // `npx serverless …` without npx's own start-up: the same binary, from the scratch install.
  const argv = [process.execPath, join(dir, "node_modules/serverless/bin/serverless.js"), ...args];
  const child: ChildProcess = cpus
    ? spawn("taskset", ["-c", cpus, ...argv], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    : spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const out = createWriteStream(logFile);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${httpPort}/${options.stage}`;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serverless offline exited with code ${child.exitCode}; see ${logFile}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGKILL");
      throw new Error(`serverless offline did not answer within ${options.timeoutMs / 1000} s; see ${logFile}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath}`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    pid: child.pid!,
    command: `SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off npx serverless ${args.join(" ")}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      // The process group started here (serverless and anything it spawned), by its id.
      process.kill(-child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      out.end();
    },
  };
}
