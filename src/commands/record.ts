import { startRecorder } from "../replay/record/proxy.ts";
import { redactionRules } from "../replay/record/redact.ts";
import { integerOption, parseCommandArgs, UsageError } from "./args.ts";

/** `gateproof record`: a recording reverse proxy in the foreground until Ctrl-C / SIGTERM. */
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
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  // Graceful: exchanges in flight finish and are written (up to 10 s); a second Ctrl-C / SIGTERM stops at once.
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await recorder.close();
  process.off("SIGINT", force);
  process.off("SIGTERM", force);
  process.stdout.write(`gateproof record: ${recorder.recorded()} exchanges recorded\n`);
  return 0;
}
