import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { header, isReference, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/robustness/template.yaml", import.meta.url).pathname;

/** Sends raw bytes and collects everything the server answers until it closes or goes quiet. */
function raw(port: number, bytes: string, quietMs = 400): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    let received = "";
    let timer = setTimeout(() => socket.destroy(), quietMs * 5);
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on("error", reject);
  });
}

// Responses HTTP cannot carry must become AWS-shaped errors; the process must keep serving (the reference only:
// these need its own template).
describe("what HTTP cannot carry", features([], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;
  let port: number;

  beforeAll(async () => {
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {} });
    base = gateway.urls[0]!.url;
    port = Number(new URL(base).port);
  });
  afterAll(() => gateway?.close());

  it.each(["newline-value", "euro-value", "space-name", "status-100"])("a Lambda proxy answer with %s is a 502, and the gateway keeps serving", features("robustness.http", "rest.lambda-proxy"), async (shape) => {
    const response = await send("GET", `/shape?shape=${shape}`, { base });
    // Spec §6.2: a proxy response API Gateway cannot use is 502 {"message": "Internal server error"}.
    expect(response.status).toBe(502);
    expect(response.text).toBe('{"message": "Internal server error"}');
    expect((await send("GET", "/shape?shape=transfer-encoding", { base })).status).toBe(200);
  });

  it("a 204 goes out without a body or Content-Length (RFC 9110 §15.3.5)", features("robustness.http", "rest.lambda-proxy"), async () => {
    const answer = await raw(port, "GET /r/shape?shape=status-204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 204 /);
    expect(answer.toLowerCase()).not.toContain("content-length");
    expect(answer.endsWith("\r\n\r\n")).toBe(true);
  });

  it("framing headers from a function are not passed on; Date and Connection are remapped", features("robustness.http", "rest.lambda-proxy"), async () => {
    const response = await send("GET", "/shape?shape=transfer-encoding", { base });
    expect(response.text).toBe("framed");
    expect(header(response, "transfer-encoding")).toBeUndefined();
    // Captured header remapping: the integration's Connection/Date arrive as x-amzn-Remapped-*.
    expect(header(response, "x-amzn-remapped-date")).toBe("yesterday");
    expect(header(response, "x-amzn-remapped-connection")).toBe("close");
  });

  it("a responseOverride.status that is not a final status is a 500, not a broken response", features("robustness.http", "rest.vtl"), async () => {
    for (const status of ["100", "1000"]) {
      const response = await send("GET", `/override?s=${status}`, { base });
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ message: "Internal server error" });
    }
    expect((await send("GET", "/override?s=418", { base })).status).toBe(418);
  });

  it("a gateway-response header mapped from a query value HTTP forbids is left out", features("robustness.http", "rest.gateway-responses.custom"), async () => {
    const response = await send("GET", "/nowhere?q=a%0Ab", { base });
    expect(response.status).toBe(403);
    expect(header(response, "x-echo-q")).toBeUndefined();
    expect((await send("GET", "/nowhere?q=fine", { base }).then((r) => header(r, "x-echo-q")))).toBe("fine");
  });

  it("a malformed request pipelined after a valid one does not take the valid one's answer", features("robustness.parsing"), async () => {
    const answer = await raw(port, "GET /r/override?s=200 HTTP/1.1\r\nHost: x\r\n\r\nGET /r/override HTTP/1.1\r\nBad Header Line\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain("ok");
  });

  it("an absolute-form request target is routed by its path (RFC 9112 §3.2.2)", features("robustness.parsing", "rest.routing"), async () => {
    const answer = await raw(port, `GET http://127.0.0.1:${port}/r/override?s=202 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
  });

  it("a semicolon splits the query string like & (api-gateway-known-issues.md)", features("robustness.parsing", "rest.lambda-proxy"), async () => {
    const response = await send("GET", "/override?x=1;s=203", { base });
    expect(response.status).toBe(203);
  });
});
