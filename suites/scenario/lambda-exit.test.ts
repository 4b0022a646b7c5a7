import { describe, expect, it } from "vitest";
import { referenceKeepingLog } from "../harness/reference.ts";
import { send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * A Lambda function that ends its execution environment (process.exit, an uncaught exception) after its Timeout has
 * passed, through a reference gateway serving fixtures/lambda-exit. On Lambda the invocation timed out at the deadline
 * and the environment was stopped there: API Gateway answers as it does for any timeout, and the log says "Task timed
 * out" with Duration = the Timeout. Only an exit before the deadline is a crash (Runtime.ExitError).
 * The gateway's thread is held past the deadline (a long synchronous transform, a GC pause), so that it learns of the
 * exit only after it happened: whether it came in time is judged by when it happened, not when it was noticed.
 */
describe("a Lambda function ending its environment before or after its deadline (reference gateway)", features(["rest.lambda-proxy"], { referenceOnly: true, timeout: 60_000 }), () => {
  const { lines, url } = referenceKeepingLog(new URL("./fixtures/lambda-exit/template.yaml", import.meta.url).pathname);

  /**
   * Where the gateway's thread is held decides what it reads first once free: held in a timer's callback, it reads the
   * worker's exit, and its own timer of the deadline fires on the next turn; held in a setImmediate callback, the timer
   * fires first. Both must come to the same answer.
   */
  type HeldIn = "timer" | "immediate";

  /**
   * The answer to GET `path` and the lines logged for it, the gateway's thread (this one) held from the hand-over to
   * the function until `holdMs` after it (0: not held). Request ids, times and memory figures are replaced by
   * placeholders, so that two requests compare equal when the gateway treated them alike; Duration is kept.
   */
  const answer = async (path: string, holdMs: number, heldIn: HeldIn = "timer") => {
    const from = lines.length;
    const answered = send("GET", path, { base: url() });
    const started = () => lines.slice(from).some((line) => line.startsWith("START RequestId: "));
    while (!started()) await new Promise((resolve) => setTimeout(resolve, 1));
    if (heldIn === "immediate") await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + holdMs;
    while (Date.now() < until);
    const response = await answered;
    // The gateway's own line about the failure is logged before the answer is sent; the function's before its END.
    const logged = lines.slice(from);
    const lambdaRequestId = logged.find((line) => line.startsWith("START RequestId: "))!.split(" ")[2]!;
    const requestId = String(response.headers["x-amzn-requestid"]);
    const placeholders = (text: string) =>
      text
        .replaceAll(lambdaRequestId, "<lambda request id>")
        .replaceAll(requestId, "<request id>")
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>")
        .replace(/\t(Max Memory Used|Init Duration): [\d.]+/g, "\t$1: <n>");
    return { response: comparable(response), logged: logged.map(placeholders), report: logged.find((line) => line.startsWith("REPORT ")) ?? "" };
  };

  it("an exit after the deadline is a timeout, byte for byte: answer, headers, Task timed out line, END, REPORT", async () => {
    const timeout = await answer("/never", 1400);
    expect(timeout.response.status).toBe(502);
    expect(timeout.logged).toContain("<time> <lambda request id> Task timed out after 1.00 seconds\n");
    expect(timeout.report).toMatch(/\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms\t.*\tStatus: timeout\n$/);
    const cases: [string, HeldIn][] = [
      ["/exit-after-deadline", "timer"],
      ["/exit-code-after-deadline", "timer"],
      ["/throw-after-deadline", "timer"],
      ["/exit-after-deadline", "immediate"],
    ];
    for (const [path, heldIn] of cases) {
      // Each exits 150 ms after its deadline; the gateway reads it 400 ms after.
      const late = await answer(path, 1400, heldIn);
      expect({ path, heldIn, ...late.response }).toEqual({ path, heldIn, ...timeout.response });
      expect({ path, heldIn, logged: late.logged }).toEqual({ path, heldIn, logged: timeout.logged });
    }
  });

  it("an exit before the deadline stays a crash (Runtime.ExitError) with its own Duration, also when noticed after the deadline", async () => {
    const crash = await answer("/exit-before-deadline", 0);
    expect(crash.response.status).toBe(502);
    expect(crash.logged.join("")).toContain("Lambda crash: Runtime.ExitError: RequestId: <lambda request id> Error: Runtime exited with error: exit status 1");
    expect(crash.report).toMatch(/\tStatus: error\tError Type: Runtime\.ExitError\n$/);
    const withoutDuration = (logged: string[]) => logged.map((line) => line.replace(/\t(Billed )?Duration: [\d.]+/g, "\t$1Duration: <n>"));
    for (const heldIn of ["timer", "immediate"] as const) {
      // The function exits ~100 ms after the hand-over; the gateway reads it 1.4 s after.
      const noticedLate = await answer("/exit-before-deadline", 1400, heldIn);
      expect({ heldIn, ...noticedLate.response }).toEqual({ heldIn, ...crash.response });
      expect({ heldIn, logged: withoutDuration(noticedLate.logged) }).toEqual({ heldIn, logged: withoutDuration(crash.logged) });
      const duration = Number(/\tDuration: ([\d.]+) ms/.exec(noticedLate.report)?.[1]);
      expect(duration).toBeGreaterThanOrEqual(100);
      expect(duration).toBeLessThan(900);
    }
  });
});

/** Status, headers and body of an answer, with the headers that differ per request replaced by placeholders. */
function comparable(response: TargetResponse) {
  const headers = { ...response.headers };
  for (const name of ["x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", "date"]) if (name in headers) headers[name] = `<${name}>`;
  return { status: response.status, headers, body: response.text };
}
