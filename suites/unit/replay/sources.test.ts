import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/replay/exchange.ts";
import { BadInputError, readExchangeBatches, type BadInput, type SourceOptions } from "../../../src/replay/sources/index.ts";
import { PARSE_SLICE } from "../../../src/replay/sources/lines.ts";

const FIXTURES = new URL("../fixtures-replay/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "gateproof-sources-"));

/** The sizes of the batches a source yields. */
async function batchSizes(file: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const batch of readExchangeBatches(file, { onBadInput: "fatal", report: () => {} })) sizes.push(batch.length);
  return sizes;
}

const ENTRY = (i: number) => ({ startedDateTime: new Date(Date.UTC(2024, 3, 13) + i).toISOString(), request: { method: "GET", url: `http://h/item/${i}`, headers: [] } });

async function read(file: string, options: Partial<SourceOptions> = {}): Promise<{ exchanges: Exchange[]; bad: BadInput[] }> {
  const bad: BadInput[] = [];
  const exchanges: Exchange[] = [];
  for await (const batch of readExchangeBatches(file, { onBadInput: "skip", report: (b) => bad.push(b), ...options })) exchanges.push(...batch);
  return { exchanges, bad };
}

describe("gateproof JSONL", () => {
  it("reads good lines and reports every bad one with its line number", async () => {
    const { exchanges, bad } = await read(join(FIXTURES, "traffic.jsonl"));
    expect(exchanges.map((e) => e.origin)).toEqual(["traffic.jsonl:1", "traffic.jsonl:6"]);
    expect(exchanges[0]!.startedAt).toBe(1713002400000.25);
    expect(exchanges[0]!.response?.body?.toString()).toBe("{}");
    expect(exchanges[1]!.request.body?.toString()).toBe("hi");
    expect(exchanges[1]!.response).toBeUndefined();
    expect(bad.map((b) => b.origin)).toEqual(["traffic.jsonl:2", "traffic.jsonl:3", "traffic.jsonl:5"]);
    expect(bad[0]!.reason).toMatch(/not JSON/);
    expect(bad[1]!.reason).toMatch(/request\.url/);
    expect(bad[2]!.reason).toMatch(/startedDateTime/);
  });

  it("stops at the first bad line when bad input is fatal", async () => {
    await expect(read(join(FIXTURES, "traffic.jsonl"), { onBadInput: "fatal" })).rejects.toThrow(BadInputError);
    await expect(read(join(FIXTURES, "traffic.jsonl"), { onBadInput: "fatal" })).rejects.toThrow(/traffic\.jsonl:2: not JSON/);
  });

  it("reads gzip transparently, whatever the file is called", async () => {
    const file = join(tmp, "traffic.data");
    writeFileSync(file, gzipSync(readFileSync(join(FIXTURES, "traffic.jsonl"))));
    const { exchanges, bad } = await read(file);
    expect(exchanges).toHaveLength(2);
    expect(bad).toHaveLength(3);
  });

  it("keeps a line split across read chunks whole", async () => {
    const file = join(tmp, "long.jsonl");
    const body = "x".repeat(600_000);
    const line = JSON.stringify({ startedDateTime: "2024-04-13T10:00:00.000Z", request: { method: "POST", url: "http://h/a", postData: { mimeType: "text/plain", text: body } } });
    writeFileSync(file, `${line}\n${line}\n`);
    const { exchanges } = await read(file);
    expect(exchanges.map((e) => e.request.body?.length)).toEqual([600_000, 600_000]);
  });

  it("parses a decoded chunk a slice at a time, line numbers intact", async () => {
    // One 128 KB chunk parsed in one pull stalled a --speed max replay (see PARSE_SLICE).
    const file = join(tmp, "many.jsonl");
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(ENTRY(i)));
    writeFileSync(file, gzipSync(`${lines.join("\n")}\n`));
    const sizes = await batchSizes(file);
    expect(sizes.reduce((a, b) => a + b)).toBe(2000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(PARSE_SLICE / lines[0]!.length) + 1);
    const { exchanges } = await read(file);
    expect(exchanges.map((e) => e.origin)).toEqual(lines.map((_, i) => `many.jsonl:${i + 1}`));
  });
});

describe("HAR", () => {
  it("streams entries, decodes base64 bodies and reports an unusable entry by number", async () => {
    const { exchanges, bad } = await read(join(FIXTURES, "devtools.har"));
    expect(exchanges.map((e) => `${e.request.method} ${e.request.url}`)).toEqual([
      "GET https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets/7?expand=owner",
      "POST https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets",
    ]);
    expect([...exchanges[1]!.request.body!]).toEqual([0, 1, 2]);
    expect(exchanges[0]!.response?.body?.toString()).toBe('{"id":7,"name":"x"}');
    expect(exchanges[1]!.startedAt - exchanges[0]!.startedAt).toBe(500);
    expect(bad).toEqual([{ origin: "devtools.har#2", reason: expect.stringMatching(/request\.url/) }]);
  });

  it("reads a gzipped HAR", async () => {
    const file = join(tmp, "devtools.har.gz");
    writeFileSync(file, gzipSync(readFileSync(join(FIXTURES, "devtools.har"))));
    expect((await read(file)).exchanges).toHaveLength(2);
  });

  it("fails clearly on a truncated HAR, after yielding the entries before the break", async () => {
    const text = readFileSync(join(FIXTURES, "devtools.har"), "utf8");
    const file = join(tmp, "truncated.har");
    writeFileSync(file, text.slice(0, text.indexOf('"startedDateTime": "2024-04-13T10:00:00.500Z"')));
    const seen: Exchange[] = [];
    const run = async () => {
      for await (const batch of readExchangeBatches(file, { onBadInput: "skip", report: () => {} })) seen.push(...batch);
    };
    await expect(run()).rejects.toThrow(/truncated\.har@byte \d+: HAR ends before its JSON is complete/);
    expect(seen).toHaveLength(1);
  });

  it("parses a chunk a slice at a time, every entry in order", async () => {
    const file = join(tmp, "many.har");
    const entries = Array.from({ length: 2000 }, (_, i) => ENTRY(i));
    const text = JSON.stringify({ log: { version: "1.2", entries } });
    writeFileSync(file, text);
    const sizes = await batchSizes(file);
    expect(sizes.reduce((a, b) => a + b)).toBe(2000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(PARSE_SLICE / (text.length / 2000)) + 1);
    expect((await read(file)).exchanges.map((e) => e.request.url)).toEqual(entries.map((e) => e.request.url));
  });

  it("fails with the byte offset on broken JSON", async () => {
    const file = join(tmp, "broken.har");
    writeFileSync(file, '{"log":{"entries":[{"request": nope}]}}');
    await expect(read(file)).rejects.toThrow(/broken\.har@byte 0: HAR is not valid JSON/);
  });
});

describe("API Gateway access logs", () => {
  it("rebuilds requests as far as $context goes and says what was missing", async () => {
    const { exchanges, bad } = await read(join(FIXTURES, "access-log.jsonl"));
    expect(exchanges.map((e) => `${e.request.method} ${e.request.url} ${e.response?.status}`)).toEqual([
      "GET https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets/7 200",
      "GET https://access-log.invalid/prod/health 204",
      "DELETE https://access-log.invalid/pets/9 500",
    ]);
    expect(exchanges[0]!.request.headers).toEqual([["User-Agent", "curl/8.5.0"]]);
    expect(exchanges[0]!.response?.headers).toBeUndefined();
    expect(exchanges[0]!.missing).toContain("query string");
    expect(exchanges[1]!.startedAt).toBe(Date.parse("2024-04-13T10:00:01Z"));
    expect(exchanges[1]!.missing).toEqual(expect.arrayContaining(["path (rebuilt from stage + resourcePath)", "sub-second request time (requestTime has seconds only)", "domainName (host)"]));
    expect(bad).toEqual([
      { origin: "access-log.jsonl:3", reason: expect.stringMatching(/resourcePath\/routeKey is a template/) },
      { origin: "access-log.jsonl:4", reason: "no JSON object on the line" },
    ]);
  });
});
