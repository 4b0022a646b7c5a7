import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/replay/exchange.ts";
import { REDACTED, redactExchange, redactionRules } from "../../../src/replay/record/redact.ts";

const exchange = (): Exchange => ({
  origin: "test",
  startedAt: 0,
  request: {
    method: "POST",
    url: "http://h/login",
    headers: [["Authorization", "Bearer abc"], ["X-API-Key", "k"], ["Cookie", "s=1"], ["X-Amz-Security-Token", "t"], ["X-Tenant-Secret", "z"], ["Accept", "*/*"]],
    body: Buffer.from(JSON.stringify({ user: "u", password: "p", nested: [{ token: "a" }, { token: "b" }] })),
  },
  response: { status: 200, headers: [["Set-Cookie", "s=2"], ["Content-Type", "application/json"]], body: Buffer.from('{"token":"c","ok":true}') },
  missing: [],
});

describe("redaction", () => {
  it("replaces the default secret headers on both sides and leaves the rest", () => {
    const { exchange: safe, redacted } = redactExchange(exchange(), redactionRules([], []));
    expect(safe.request.headers).toEqual([
      ["Authorization", REDACTED], ["X-API-Key", REDACTED], ["Cookie", REDACTED], ["X-Amz-Security-Token", REDACTED], ["X-Tenant-Secret", "z"], ["Accept", "*/*"],
    ]);
    expect(safe.response!.headers).toEqual([["Set-Cookie", REDACTED], ["Content-Type", "application/json"]]);
    expect(redacted).toEqual(["request.header.authorization", "request.header.x-api-key", "request.header.cookie", "request.header.x-amz-security-token", "response.header.set-cookie"]);
    expect(safe.request.body).toEqual(exchange().request.body);
  });

  it("takes header patterns and JSON body paths, for requests and responses", () => {
    const { exchange: safe, redacted } = redactExchange(exchange(), redactionRules(["x-tenant-.*"], ["password", "body.**.token"]));
    expect(safe.request.headers.find(([name]) => name === "X-Tenant-Secret")![1]).toBe(REDACTED);
    expect(JSON.parse(safe.request.body!.toString())).toEqual({ user: "u", password: REDACTED, nested: [{ token: REDACTED }, { token: REDACTED }] });
    expect(JSON.parse(safe.response!.body!.toString())).toEqual({ token: REDACTED, ok: true });
    expect(redacted).toEqual(expect.arrayContaining(["request.body.password", "request.body.nested[1].token", "response.body.token"]));
  });

  it("scrubs a secret header value wherever it reappears in a body", () => {
    const input = exchange();
    input.response!.body = Buffer.from('{"echo":{"headers":{"authorization":"Bearer abc"}},"note":"k"}');
    const { exchange: safe, redacted } = redactExchange(input, redactionRules([], []));
    expect(safe.response!.body!.toString()).toBe('{"echo":{"headers":{"authorization":"[REDACTED]"}},"note":"k"}');
    expect(redacted).toContain("response.body (secret header values)");
  });

  it("leaves non-JSON bodies byte for byte", () => {
    const input = exchange();
    input.request.body = Buffer.from("password=p");
    expect(redactExchange(input, redactionRules([], ["password"])).exchange.request.body).toBe(input.request.body);
  });
});
