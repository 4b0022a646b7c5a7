import aws4 from "aws4";
import fc from "fast-check";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/replay/exchange.ts";
import { onTheWire, outgoing, pathPrefix, wireRequest, type OutgoingRequest } from "../../../src/replay/send/outgoing.ts";
import { applyTransforms, loadTransform, type TransformContext } from "../../../src/replay/transforms/index.ts";

const tmp = mkdtempSync(join(tmpdir(), "gateproof-transforms-"));
const target = new URL("http://127.0.0.1:9000");

const recorded: Exchange = {
  origin: "t:1",
  startedAt: Date.parse("2024-04-13T10:00:00Z"),
  request: {
    method: "POST",
    url: "https://api.example.com/prod/orders?since=2024-04-12T10%3A00%3A00Z&x=a+b",
    headers: [["Host", "api.example.com"], ["Connection", "keep-alive"], ["Authorization", "Bearer old"], ["x-api-key", "old"], ["Content-Length", "40"], ["Date", "Sat, 13 Apr 2024 10:00:00 GMT"]],
    body: Buffer.from('{"from":"2024-04-12T10:00:00.000Z"}'),
  },
  response: undefined,
  missing: [],
};
const context: TransformContext = { exchange: recorded, target, replayStartedAt: Date.parse("2024-04-20T10:00:00Z"), recordingStartedAt: recorded.startedAt };

async function run(specs: string[], request: OutgoingRequest = outgoing(recorded.request, target)): Promise<OutgoingRequest> {
  return applyTransforms(await Promise.all(specs.map(loadTransform)), request, context);
}
const header = (request: OutgoingRequest, name: string) => request.headers.find(([key]) => key.toLowerCase() === name)?.[1];

describe("rebasing onto a target", () => {
  it("swaps the origin, keeps path and raw query, drops connection-level headers", () => {
    const request = outgoing(recorded.request, new URL("http://127.0.0.1:9000/base/"));
    expect(request.url.href).toBe("http://127.0.0.1:9000/base/prod/orders?since=2024-04-12T10%3A00%3A00Z&x=a+b");
    expect(request.headers.map(([name]) => name)).toEqual(["Authorization", "x-api-key", "Date"]);
  });

  it("goes on the wire with the path and headers the URL route gives, whatever the recorded URL holds", () => {
    const targets = [new URL("http://127.0.0.1:9000"), new URL("http://127.0.0.1:9000/base/"), new URL("https://t.example/a%20b//")];
    const tricky = ["/", "", "//x", "/a/../b", "/a/%2e%2E/b", "/a\\b", "/ä ö?q=ä ö&'\"<>`", "/x?", "/x?#f", "/x#f?g", "/%zz/%41?%zz", "/a/./b/.", "?only", "/\t/\n"];
    const pieces = fc.array(fc.constantFrom("/", ".", "..", "%2e", "%", "?", "#", "\\", " ", "'", "a", "ä", "%41", "&", "="), { maxLength: 12 }).map((parts) => parts.join(""));
    const check = (scheme: string, rest: string) => {
      const url = `${scheme}://api.example.com${rest}`;
      if (!URL.canParse(url)) return;
      const request = { ...recorded.request, url };
      for (const target of targets) {
        const viaUrl = onTheWire(outgoing(request, target));
        expect(wireRequest(request, target, pathPrefix(target), new URL(url)), `${url} onto ${target.href}`).toEqual(viaUrl);
      }
    };
    for (const rest of tricky) for (const scheme of ["http", "https", "wss", "foo"]) check(scheme, rest);
    fc.assert(fc.property(fc.constantFrom("http", "https", "foo"), pieces, check), { numRuns: 500 });
  });
});

describe("built-in transforms", () => {
  it("rewrites host, stage and base path", async () => {
    const request = await run(["host=api.internal", "stage=prod:test"]);
    expect(request.url.pathname).toBe("/test/orders");
    expect(header(request, "host")).toBe("api.internal");
    expect((await run(["base-path=/prod/orders:/v2"])).url.pathname).toBe("/v2");
    expect((await run(["base-path=/pro:/x"])).url.pathname).toBe("/prod/orders");
  });

  it("swaps API keys and bearer tokens only where the request had them", async () => {
    const request = await run(["api-key=new", "bearer=fresh"]);
    expect(header(request, "x-api-key")).toBe("new");
    expect(header(request, "authorization")).toBe("Bearer fresh");
    const bare = { ...outgoing(recorded.request, target), headers: [] };
    expect((await run(["api-key=new", "bearer=fresh"], bare)).headers).toEqual([]);
  });

  it("re-reads a bearer token file when it changes", async () => {
    const file = join(tmp, "token");
    writeFileSync(file, "one\n");
    const transform = await loadTransform(`bearer=@${file}`);
    const send = async () => header(await applyTransforms([transform], outgoing(recorded.request, target), context), "authorization");
    expect(await send()).toBe("Bearer one");
    writeFileSync(file, "two\n");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await send()).toBe("Bearer two");
  });

  it("re-signs with SigV4 for the target host, replacing the old signature", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let request: OutgoingRequest;
    try {
      request = await run(["sigv4=eu-west-1/execute-api"]);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
    const authorization = header(request, "authorization")!;
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers.filter(([name]) => name.toLowerCase() === "authorization")).toHaveLength(1);
    // The same request signed independently at the same instant carries the same signature.
    const amzDate = header(request, "x-amz-date")!;
    const again = aws4.sign(
      { host: "127.0.0.1:9000", method: "POST", path: request.url.pathname + request.url.search, headers: { "x-api-key": "old", Date: header(request, "date")!, "X-Amz-Date": amzDate }, body: request.body, service: "execute-api", region: "eu-west-1" },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    );
    expect(authorization).toBe(again.headers!.Authorization);
  });

  it("shifts ISO times in body and query by the recording-to-replay gap, keeping the query's encoding", async () => {
    const request = await run(["shift-dates"]);
    expect(request.url.search).toBe("?since=2024-04-19T10%3A00%3A00.000Z&x=a+b");
    expect(JSON.parse(request.body!.toString())).toEqual({ from: "2024-04-19T10:00:00.000Z" });
    expect(header(request, "date")).not.toBe("Sat, 13 Apr 2024 10:00:00 GMT");
  });

  it("loads a plug-in module and refuses unknown names", async () => {
    const file = join(tmp, "plugin.mjs");
    writeFileSync(file, 'export default (request, context) => ({ ...request, headers: [...request.headers, ["x-origin", context.exchange.origin]] });\n');
    expect(header(await run([file]), "x-origin")).toBe("t:1");
    await expect(loadTransform("teleport=1")).rejects.toThrow(/unknown transform "teleport=1"/);
    await expect(loadTransform("stage=prod")).rejects.toThrow(/FROM:TO/);
  });
});
