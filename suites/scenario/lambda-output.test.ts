import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * A function's raw process.stdout / process.stderr writes in the gateway's log, through a reference gateway serving
 * fixtures/lambda-output. Lambda's log capture makes one log event per line of stdout, whatever the writes were, and
 * holds a partial line until its newline or the end of the invocation (then it is an event of its own).
 */
describe("raw output of a Lambda function (reference gateway)", features(["rest.lambda-proxy"], { referenceOnly: true }), () => {
  const template = new URL("./fixtures/lambda-output/template.yaml", import.meta.url).pathname;
  const lines: string[] = [];
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway({ template, port: 0, log: (line) => void lines.push(line) });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  /** The invocation's log lines between its START and its END line (the invocation ends before the answer is sent). */
  const invocationLines = async (path: string, status: number) => {
    const from = lines.length;
    const response = await send("GET", path, { base: gateway.urls[0]!.url });
    expect(response.status).toBe(status);
    const start = lines.findIndex((line, i) => i >= from && line.startsWith("START RequestId: "));
    const requestId = lines[start]!.split(" ")[2];
    const end = lines.indexOf(`END RequestId: ${requestId}\n`, start);
    expect(end).toBeGreaterThan(start);
    return lines.slice(start + 1, end);
  };

  it("a line written in pieces is one line; a partial line is logged when the invocation ends", async () => {
    expect(await invocationLines("/pieces", 200)).toEqual(["abcdef\n", "on stderr\n", "no newline at the end\n"]);
  });

  it("a partial line is logged when the function times out, before the timeout line", async () => {
    const logged = await invocationLines("/spins", 502);
    expect(logged[0]).toBe("written before the timeout\n");
    expect(logged[1]).toMatch(/Task timed out after 1\.00 seconds\n$/);
    expect(logged).toHaveLength(2);
  });

  it("a character whose bytes came in separate writes is whole (stdout is a byte stream)", async () => {
    expect(await invocationLines("/bytes", 200)).toEqual(["é € 😀\n"]);
  });

  // Where a line is cut does not depend on how it was written, and a cut never splits a character.
  const MAX = 256 * 1024;
  it("a line cut at the largest log event keeps a surrogate pair whole", async () => {
    expect(await invocationLines("/cut-on-pair", 200)).toEqual(["x".repeat(MAX - 1) + "\n", "😀\n"]);
  });

  it("a line longer than the largest log event is cut also when its newline came in the same write", async () => {
    expect(await invocationLines("/long-line", 200)).toEqual(["y".repeat(MAX) + "\n", "y".repeat(10) + "\n"]);
  });

  // Each write used to search the whole held line again: 200,000 one-character writes took the gateway ~20 s of CPU.
  it("a long line written a character at a time costs the gateway time in its length, not its square", async () => {
    const started = Date.now();
    expect(await invocationLines("/dots", 200)).toEqual([".".repeat(200_000) + "\n"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
