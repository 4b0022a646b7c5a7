import { startRecorder } from "../replay/record/proxy.ts";
import { redactionRules } from "../replay/record/redact.ts";
import { integerOption, parseCommandArgs, UsageError } from "./args.ts";
import { runUntilStopped } from "./until-stopped.ts";

/**
 * `gateproof record`: a recording reverse proxy in the foreground until Ctrl-C / SIGTERM, or, when a supervisor
 * started it with an IPC channel, until that channel closes (as `serve`).
 */
export async function record(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    target: { type: "string" },
    listen: { type: "string" },
    host: { type: "string" },
    out: { type: "string" },
    "redact-header": { type: "string", multiple: true },
    "redact-body": { type: "string", multiple: true },
    "no-redact": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError("record takes no positional arguments");
  if (!values.target || !URL.canParse(values.target)) throw new UsageError("record needs --target <url>");
  if (!values.out) throw new UsageError("record needs --out <file.jsonl>");
  if (values["no-redact"] && (values["redact-header"] || values["redact-body"])) throw new UsageError("--no-redact cannot be combined with --redact-header/--redact-body");
  const recorder = await startRecorder({
    target: new URL(values.target),
    port: integerOption(values.listen, "listen", 8080),
    host: values.host,
    out: values.out,
    redaction: values["no-redact"] ? undefined : redactionRules(values["redact-header"] ?? [], values["redact-body"] ?? []),
  });
  process.stdout.write(`gateproof record: ${recorder.url} → ${values.target}, appending to ${values.out}${values["no-redact"] ? " (NOT redacted)" : ""}; Ctrl-C stops\n`);
  // Graceful: exchanges in flight finish and are written (up to 10 s); every line in the file is whole.
  await runUntilStopped(() => recorder.close());
  process.stdout.write(`gateproof record: ${recorder.recorded()} exchanges recorded\n`);
  return 0;
}
