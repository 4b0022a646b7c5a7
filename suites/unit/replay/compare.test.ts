import { describe, expect, it } from "vitest";
import { diffAnswers, type Answer } from "../../../src/replay/compare/differ.ts";
import { collapsedEndpoint, definitionEndpoints } from "../../../src/replay/compare/endpoints.ts";
import { noiseMatcher, noiseRules } from "../../../src/replay/compare/noise.ts";
import { bodyPath, matches, parsePattern, type Location } from "../../../src/replay/compare/paths.ts";
import { DEFAULT_THRESHOLDS, Tally } from "../../../src/replay/compare/tally.ts";

const json = (status: number, value: unknown, headers: Array<[string, string]> = []): Answer => ({
  status,
  headers: [["content-type", "application/json"], ...headers],
  body: Buffer.from(JSON.stringify(value)),
});

describe("path grammar", () => {
  it("prints paths that parse back to a pattern matching exactly that location", () => {
    const segments = ["a", "odd key", 0, "x-y", "_ok$"];
    const printed = bodyPath(segments);
    expect(printed).toBe('body.a["odd key"][0]["x-y"]._ok$');
    const location: Location = { root: "body", segments };
    expect(matches(parsePattern(printed), location)).toBe(true);
    expect(matches(parsePattern(printed), { root: "body", segments: ["a", "odd key", 1, "x-y", "_ok$"] })).toBe(false);
  });

  it("matches * as one segment and ** as any depth", () => {
    const at = (...segments: Array<string | number>): Location => ({ root: "body", segments });
    expect(matches(parsePattern("body.items[*].id"), at("items", 3, "id"))).toBe(true);
    expect(matches(parsePattern("body.items[*].id"), at("items", 3, "x", "id"))).toBe(false);
    expect(matches(parsePattern("body.**.requestId"), at("requestId"))).toBe(true);
    expect(matches(parsePattern("body.**.requestId"), at("a", 0, "b", "requestId"))).toBe(true);
    expect(matches(parsePattern("body.**.requestId"), at("a", "requestIds"))).toBe(false);
    expect(matches(parsePattern("header.X-Amzn-RequestId"), { root: "header", name: "x-amzn-requestid" })).toBe(true);
  });

  it("rejects what it cannot read, saying where", () => {
    expect(() => parsePattern("bdy.a")).toThrow(/starts with status, header/);
    expect(() => parsePattern("body.a[x]")).toThrow(/cannot read "\[x\]"/);
  });
});

describe("differ", () => {
  it("reports status, headers by name and JSON bodies by path", () => {
    const a = json(200, { id: 1, tags: ["a", "b"], nested: { keep: true, gone: 1 } }, [["X-One", "1"]]);
    const b = json(201, { id: 2, tags: ["a"], nested: { keep: true } }, [["x-one", "2"]]);
    expect(diffAnswers(a, b).map((d) => [d.path, d.baseline, d.candidate])).toEqual([
      ["status", "200", "201"],
      ["header.x-one", '"1"', '"2"'],
      ["body.id", "1", "2"],
      ["body.tags[1]", '"b"', undefined],
      ["body.nested.gone", "1", undefined],
    ]);
  });

  it("compares non-JSON bodies whole, and does not compare what a side does not know", () => {
    const text = (body: string): Answer => ({ status: 200, headers: [], body: Buffer.from(body) });
    expect(diffAnswers(text("hello"), text("hullo")).map((d) => [d.path, d.baseline, d.candidate])).toEqual([["body", '"hello"', '"hullo"']]);
    expect(diffAnswers({ status: 200, headers: undefined, body: undefined }, json(200, { a: 1 }, [["x", "y"]]))).toEqual([]);
    expect(diffAnswers(json(200, {}), { status: 0, headers: undefined, body: undefined, error: "ECONNREFUSED" }).map((d) => d.candidate)).toEqual(["error: ECONNREFUSED"]);
  });

  it("joins a repeated header's values in order, names in any case, and one comparison leaves nothing to the next", () => {
    const headers = (list: Array<[string, string]>): Answer => ({ status: 200, headers: list, body: undefined });
    const many = headers([["Set-Cookie", "a=1"], ["x-a", "1"], ["set-cookie", "b=2"], ["x-b", "2"], ["x-c", "3"]]);
    expect(diffAnswers(many, headers([["set-cookie", "a=1, b=2"], ["X-A", "1"], ["x-b", "2"], ["x-c", "3"]]))).toEqual([]);
    expect(diffAnswers(many, headers([["set-cookie", "b=2"], ["set-cookie", "a=1"], ["x-a", "1"], ["x-b", "2"], ["x-c", "3"]])).map((d) => [d.path, d.baseline, d.candidate])).toEqual([
      ["header.set-cookie", '"a=1, b=2"', '"b=2, a=1"'],
    ]);
    // After five headers a side, one each: only the one differs, none left over from before.
    expect(diffAnswers(headers([["x-a", "1"]]), headers([["x-z", "9"]])).map((d) => [d.path, d.baseline, d.candidate])).toEqual([
      ["header.x-a", '"1"', undefined],
      ["header.x-z", undefined, '"9"'],
    ]);
  });
  it("gives an equal pair of header lists the same differences again, and sees a list changed in place", () => {
    const headers = (list: Array<[string, string]>): Answer => ({ status: 200, headers: list, body: undefined });
    const recorded: Array<[string, string]> = [["content-type", "application/json"], ["date", "Mon"]];
    const answered: Array<[string, string]> = [["Content-Type", "application/json"]];
    const paths = () => diffAnswers(headers(recorded), headers(answered)).map((d) => [d.path, d.baseline, d.candidate]);
    expect(paths()).toEqual([["header.date", '"Mon"', undefined]]);
    expect(paths()).toEqual([["header.date", '"Mon"', undefined]]);
    recorded[1]![1] = "Tue";
    expect(paths()).toEqual([["header.date", '"Tue"', undefined]]);
    answered.push(["Date", "Tue"]);
    expect(paths()).toEqual([]);
    answered[0]![1] = "text/plain";
    expect(paths()).toEqual([["header.content-type", '"application/json"', '"text/plain"']]);
    // An equal copy in new arrays: the same differences.
    expect(diffAnswers(headers([["content-type", "application/json"], ["date", "Tue"]]), headers([["Content-Type", "text/plain"], ["Date", "Tue"]])).map((d) => d.path)).toEqual(["header.content-type"]);
  });
});

describe("noise", () => {
  it("knows AWS's per-request values and takes user paths in the same grammar", () => {
    const ignored = noiseMatcher(noiseRules([{ path: "body.items[*].updatedAt", why: "mine" }]));
    expect(ignored({ root: "header", name: "X-Amzn-RequestId" })).toMatch(/request id/);
    expect(ignored({ root: "body", segments: ["requestContext", "requestTimeEpoch"] })).toMatch(/request time/);
    expect(ignored({ root: "body", segments: ["event", "requestContext", "requestId"] })).toBeDefined();
    expect(ignored({ root: "body", segments: ["items", 4, "updatedAt"] })).toBe("body.items[*].updatedAt (mine)");
    expect(ignored({ root: "body", segments: ["items", 4, "name"] })).toBeUndefined();
    expect(noiseMatcher(noiseRules([], false))({ root: "header", name: "date" })).toBeUndefined();
  });
});

describe("Diffy noise learning", () => {
  const diff = (path: string) => ({ location: { root: "body" as const, segments: [path] }, path: `body.${path}` });
  const curl = () => ({ baseline: "curl a", candidate: "curl b" });
  type Diff = ReturnType<typeof diff>;
  const tallyOf = (hasSecondary: boolean, ignored: (location: Location) => string | undefined = () => undefined) => new Tally({ hasSecondary, ignored, curl });
  /** One request: what the candidate and the secondary differed on. */
  const add = (tally: Tally<unknown>, origin: string, candidate: Diff[], secondary: Diff[]) => {
    tally.begin("GET /x", origin, undefined);
    for (const d of candidate) tally.candidate(d.location, d.path, 1, 2);
    for (const d of secondary) tally.secondary(d.location, d.path, 1, 3);
    return tally.end();
  };

  it("counts each request under its own endpoint, in runs or interleaved", () => {
    const tally = tallyOf(false);
    for (const [endpoint, differs] of [["GET /a", true], ["GET /a", false], ["GET /b", true], ["GET /a", true], ["GET /b", false]] as const) {
      tally.begin(endpoint, endpoint, undefined);
      if (differs) tally.candidate(diff("x").location, diff("x").path, 1, 2);
      tally.end();
    }
    expect(tally.summarise(DEFAULT_THRESHOLDS).map((e) => [e.endpoint, e.requests, e.differingRequests])).toEqual([
      ["GET /a", 3, 2],
      ["GET /b", 2, 1],
    ]);
  });

  it("calls a path noise when the secondary differs there as often as the candidate, and a difference when the candidate clearly beats it", () => {
    const tally = tallyOf(true);
    for (let i = 0; i < 100; i++) {
      const candidate = [diff("token")];
      if (i < 40) candidate.push(diff("price")); // a real change on 40 % of requests
      const secondary = [diff("token")];
      if (i < 5) secondary.push(diff("price")); // ... that the secondary shows on 5 % (flaky)
      add(tally, `f:${i}`, candidate, secondary);
    }
    const [endpoint] = tally.summarise(DEFAULT_THRESHOLDS);
    const verdicts = Object.fromEntries(endpoint!.paths.map((p) => [p.path, [p.verdict, p.differing, p.noisy]]));
    expect(verdicts).toEqual({ "body.token": ["noise", 100, 100], "body.price": ["difference", 40, 5] });
    expect(endpoint!.differingRequests).toBe(40);
    expect(endpoint!.paths.find((p) => p.path === "body.price")!.examples).toEqual(
      [0, 1, 2].map((i) => ({ origin: `f:${i}`, baseline: "1", candidate: "2", curl: curl() })),
    );
  });

  it("honours the thresholds: a small excess over the noise stays noise", () => {
    const tally = tallyOf(true);
    for (let i = 0; i < 100; i++) add(tally, `f:${i}`, i < 22 ? [diff("flaky")] : [], i < 20 ? [diff("flaky")] : []);
    expect(tally.summarise(DEFAULT_THRESHOLDS)[0]!.paths[0]!.verdict).toBe("noise");
    expect(tally.summarise({ relative: 5, absolute: 1 })[0]!.paths[0]!.verdict).toBe("difference");
  });

  it("without a secondary every unignored difference counts, and ignored paths do not make a request differ", () => {
    const tally = tallyOf(false, (location) => (location.root === "body" && location.segments[0] === "b" ? "ignored b" : undefined));
    expect(add(tally, "f:1", [diff("a")], [])).toBe(true);
    expect(add(tally, "f:2", [diff("b")], [])).toBe(false);
    expect(add(tally, "f:3", [diff("b"), diff("a")], [])).toBe(true);
    const [endpoint] = tally.summarise(DEFAULT_THRESHOLDS);
    expect(endpoint!.paths.map((p) => [p.path, p.verdict, p.differing])).toEqual([["body.a", "difference", 2], ["body.b", "ignored", 2]]);
    expect(endpoint!.differingRequests).toBe(2);
  });
});

describe("endpoints", () => {
  it("collapses numeric, UUID and long hex segments without a definition", () => {
    expect(collapsedEndpoint("GET", "/prod/pets/42/photos/3f2504e0-4f89-11d3-9a0c-0305e82c3301")).toBe("GET /prod/pets/{id}/photos/{id}");
    expect(collapsedEndpoint("GET", "/prod/users/deadbeefdeadbeefdead/name")).toBe("GET /prod/users/{id}/name");
  });

  it("learns route templates from a definition: literal before parameter before greedy", async () => {
    const endpointOf = await definitionEndpoints(new URL("../../fixture/template.yaml", import.meta.url).pathname);
    expect(endpointOf("GET", "/test/http/123")).toBe("GET /test/http/{id}");
    expect(endpointOf("GET", "/test/items/special")).toBe("GET /test/items/special");
    expect(endpointOf("GET", "/test/proxy/a/b/c")).toBe("GET /test/proxy/{proxy+}");
    expect(endpointOf("GET", "/other-stage/http/9")).toBe("GET /other-stage/http/{id}");
  });
});
