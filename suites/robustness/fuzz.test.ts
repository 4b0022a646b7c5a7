/**
 * Bad input: a fast-check fuzzer of hostile but framed HTTP requests and a raw-socket fuzzer of malformed framing
 * and smuggling shapes, against `gateproof serve` in a child process (a crash is an exit, not a lost test run).
 * Every answer must be well-formed HTTP/1.1 and AWS-shaped, the process must stay up, other clients stay served,
 * smuggled requests never reach the backend, and no secret the fuzzer sends shows up in the gateway's output.
 * The fuzzers themselves are in fuzz-cases.ts. Runs: GATEPROOF_FUZZ_RUNS (default 150 + 150 here); the soak profile,
 * 100,000 of each with a report, is `npm run fuzz:soak` (fuzz-soak.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";
import { checkHostileRequest, checkMalformedRequest, hostileRequest, malformedRequest, STAGE, type FuzzTarget } from "./fuzz-cases.ts";
import { fuzzRuns, fuzzSeed, parseResponses, rawExchange, ROBUSTNESS_SECRETS, ROBUSTNESS_TEMPLATE, serveInChild, type ChildGateway } from "./harness.ts";

let gateway: ChildGateway;
let backend: EchoBackend;
let port: number;

beforeAll(async () => {
  backend = await startEchoBackend();
  gateway = await serveInChild(ROBUSTNESS_TEMPLATE, ["--parameter-overrides", `EchoUrl=${backend.url}`, `FaultUrl=${backend.url}`]);
  port = Number(new URL(gateway.urls[0]!.url).port);
}, 60_000);

afterAll(async () => {
  const result = await gateway?.stop();
  await backend?.close();
  // SIGTERM is a clean stop (exit 0), never a crash.
  expect(result?.code).toBe(0);
});

/** The process is up and another client is served normally. */
async function stillServing(): Promise<void> {
  expect(gateway.exited(), gateway.output().slice(-3000)).toBeUndefined();
  const { data } = await rawExchange(port, `GET ${STAGE}/mock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [response] = parseResponses(data);
  expect(response?.status).toBe(200);
}

const target = (): FuzzTarget => ({
  port,
  assertAlive: () => expect(gateway.exited(), gateway.output().slice(-3000)).toBeUndefined(),
  backendSaw: (marker) => backend.received.some((r) => r.url.includes(marker)),
});
const limits = () => ({ numRuns: fuzzRuns(150), seed: fuzzSeed, interruptAfterTimeLimit: Number(process.env.GATEPROOF_FUZZ_MS ?? 6_000) });

describe("fuzzing the gateway over real sockets", features(["robustness.fuzz"], { referenceOnly: true }), () => {
  it("hostile methods, paths, headers and bodies: answered well-formed and AWS-shaped, never a crash", async () => {
    await fc.assert(fc.asyncProperty(hostileRequest, (r) => checkHostileRequest(target(), r)), limits());
    await stillServing();
  }, 600_000);

  /** Malformed request lines and framing, smuggling shapes: a 400 (or a close), never two answers for one request. */
  it("malformed framing, request lines and smuggling shapes: one well-formed answer or a close; nothing smuggled", async () => {
    await fc.assert(fc.asyncProperty(malformedRequest, (text) => checkMalformedRequest(target(), text)), limits());
    await stillServing();
  }, 600_000);

  it("secrets sent during the fuzzing never appear in the gateway's output", features(["robustness.secrets"], { timeout: 60_000 }), async () => {
    // Make sure every secret was sent at least once, on requests that are authorized and that are refused.
    for (const headers of [`x-api-key: ${ROBUSTNESS_SECRETS.apiKey}`, `Authorization: ${ROBUSTNESS_SECRETS.token}`, `X-User: ${ROBUSTNESS_SECRETS.user}`, `Authorization: ${ROBUSTNESS_SECRETS.token}x`]) {
      for (const route of ["keyed-proxy", "token-proxy/a", "request-proxy", "evil", "fault?mode=throw"]) {
        await rawExchange(port, `GET ${STAGE}/${route} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n\r\n`);
      }
    }
    const output = gateway.output();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of Object.values(ROBUSTNESS_SECRETS)) expect(output.includes(secret), `${secret} in the gateway's log`).toBe(false);
  });
});
