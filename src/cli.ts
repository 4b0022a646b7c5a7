import { UsageError } from "./commands/args.ts";

/**
 * Each command's module is imported only when it runs: `serve` must not load (and tsx compile) the bench, the
 * replayer and the conformance runner with their dependencies, which cost start-up time and resident memory.
 */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: async (args) => (await import("./commands/serve.ts")).serve(args),
  bench: async (args) => (await import("./commands/bench.ts")).bench(args),
  conformance: async (args) => (await import("./commands/conformance.ts")).conformance(args),
  record: async (args) => (await import("./commands/record.ts")).record(args),
  replay: async (args) => (await import("./commands/replay.ts")).replay(args),
  "replay-bench": async (args) => (await import("./commands/replay.ts")).replayBench(args),
};

const USAGE = `usage: gateproof <command> [options]

commands:
  serve <template> [--port N] [--host H] [--stage S] [--functions DIR] [--parameter-overrides K=V …] [--urls-file F]
        [--aws-endpoint SERVICE=URL …] [--cognito-jwks POOLID=URL …] [--iam-credentials FILE]
        [--source-vpce ID] [--source-vpc ID] [--tls [--tls-cert FILE --tls-key FILE]] [--access-log FILE] [--admin-port N]
        [--store memory|redis://…] [--throttle-fail-mode open|closed] [--account-rate-limit R] [--account-burst-limit B]
        [--websocket-instance-ttl MS]
  conformance [--target URL] [--http-api-url URL] [--ws-url URL] [--api-key K] [--name N] [--features F,…] [--profiles P,…]
              [--supported-features F,…] [--exempt-features F,…] [--options FILE.json] [--report-dir DIR] [--seed N]
              [--ready-path /echo] [--ready-timeout S] [suite paths…]
  bench [--duration S] [--warmup S] [--connections N] [--out DIR]
  record --target URL --out FILE.jsonl [--listen PORT] [--host H] [--redact-header REGEX …] [--redact-body PATH …] [--no-redact]
  replay <file> --target URL [--speed 1|2|0.5|max] [--concurrency N] [--transform SPEC …] [--compare URL [--secondary URL]]
         [--no-compare] [--ignore PATH …] [--ignore-file F] [--template FILE] [--on-bad-input skip|fatal] [--report-dir DIR]
  replay-bench [--entries N] [--rate R] [--seconds S] [--connections N] [--rounds N] [--round-entries N] [--out DIR]
`;

/** Runs one command; resolves to the process exit code (serve resolves when it is told to stop). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(name === undefined || name === "--help" ? USAGE : `gateproof: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return name === "--help" ? 0 : 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`gateproof ${name}: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`gateproof ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
