/**
 * REST CORS proven in a real browser (headless chromium): a page from one loopback origin calls REST APIs of the
 * reference on other ports; each test asserts what the page's script may read and which requests left the browser.
 * Fixture: suites/scenario/fixtures/cors-rest/template.yaml. What browsers enforce is the Fetch standard's CORS
 * protocol (fetch.spec.whatwg.org, "CORS protocol" / "CORS check" / "CORS-preflight fetch"): a response is readable
 * only with a matching Access-Control-Allow-Origin (`*` never for credentialed requests, which also need
 * Access-Control-Allow-Credentials: true); a non-simple request is sent only after a preflight whose
 * Access-Control-Allow-Methods/-Headers cover it (`*` counts as a wildcard only without credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { launchBrowser, openPage, pageFetch, pageServer, recordingProxy, sent, skipBrowser, type Browser } from "./harness.ts";

const TEMPLATE = new URL("../scenario/fixtures/cors-rest/template.yaml", import.meta.url).pathname;
type Proxy = Awaited<ReturnType<typeof recordingProxy>>;

describe.skipIf(skipBrowser)("REST CORS in chromium", features(["cors.rest"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let browser: Browser;
  let pages: Array<{ close(): Promise<void> }> = [];
  const proxies: Proxy[] = [];
  let manual: Proxy;
  let sam: Proxy;
  let zero: Proxy;
  /** A page of the origin the SAM Cors API allows, and one of another origin (another port). */
  let page: Page;
  let otherPage: Page;

  beforeAll(async () => {
    const [allowed, other] = await Promise.all([pageServer(), pageServer()]);
    pages = [allowed, other];
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, parameterOverrides: { PageOrigin: allowed.origin } });
    const url = (api: string) => gateway.urls.find((u) => u.api === api)!.url;
    [manual, sam, zero] = await Promise.all([recordingProxy(url("ManualApi")), recordingProxy(url("SamApi")), recordingProxy(url("SamZeroApi"))]);
    proxies.push(manual, sam, zero);
    browser = await launchBrowser();
    [page, otherPage] = await Promise.all([openPage(browser, allowed.origin), openPage(browser, other.origin)]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([...proxies, ...pages].map((p) => p.close()));
    await gateway?.close();
  });

  describe("OPTIONS MOCK method written by hand (the console's snippet: Allow-Origin '*', Allow-Methods '*')", () => {
    it("a simple GET is readable (Allow-Origin * on the GET's own method response); no preflight is sent", async () => {
      const r = await pageFetch(page, `${manual.url}/manual`);
      expect(r).toMatchObject({ allowed: true, status: 200, type: "cors", body: '{"api":"manual","method":"GET"}' });
      expect(sent(manual, "/manual")).toEqual(["GET"]);
    });

    it("a JSON PUT is preflighted, allowed by the user's OPTIONS method, then sent", async () => {
      const r = await pageFetch(page, `${manual.url}/manual?put`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"api":"manual","method":"PUT"}' });
      expect(sent(manual, "/manual?put")).toEqual(["OPTIONS", "PUT"]);
    });

    it("a header the OPTIONS method does not allow (X-Custom) blocks the request at the preflight", async () => {
      const r = await pageFetch(page, `${manual.url}/manual?custom`, { headers: { "x-custom": "1" } });
      expect(r).toEqual({ allowed: false, error: "TypeError: Failed to fetch" });
      expect(sent(manual, "/manual?custom")).toEqual(["OPTIONS"]);
    });

    it("with credentials, Allow-Origin * is refused: the simple GET is sent but unreadable", async () => {
      const r = await pageFetch(page, `${manual.url}/manual?cred`, { credentials: "include" });
      expect(r.allowed).toBe(false);
      expect(sent(manual, "/manual?cred")).toEqual(["GET"]);
    });

    it("with credentials, the preflight's '*' answers fail: the PUT is never sent", async () => {
      const r = await pageFetch(page, `${manual.url}/manual?credput`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}", credentials: "include" });
      expect(r.allowed).toBe(false);
      expect(sent(manual, "/manual?credput")).toEqual(["OPTIONS"]);
    });

    it("an actual method whose response lacks Access-Control-Allow-Origin is sent but unreadable", async () => {
      const r = await pageFetch(page, `${manual.url}/manual-no-origin`);
      expect(r.allowed).toBe(false);
      expect(sent(manual, "/manual-no-origin")).toEqual(["GET"]);
    });

    it("a gateway error without CORS headers (403 Missing Authentication Token, no DEFAULT_4XX) hides even its status", async () => {
      const r = await pageFetch(page, `${manual.url}/nowhere`);
      expect(r.allowed).toBe(false);
      expect(sent(manual, "/nowhere")).toEqual(["GET"]);
    });
  });

  describe("SAM Cors (exact origin, AllowCredentials, AllowHeaders 'Content-Type,X-Custom', MaxAge '600')", () => {
    it("a credentialed GET to a Lambda proxy route returning its own CORS headers is readable, exposed header too", async () => {
      const r = await pageFetch(page, `${sam.url}/with-cors`, { credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"method":"GET","path":"/with-cors","mode":"with"}' });
      if (r.allowed) expect(r.headers["x-backend"]).toBe("lambda"); // Access-Control-Expose-Headers from the function
      expect(sent(sam, "/with-cors")).toEqual(["GET"]);
    });

    it("a credentialed JSON PUT with X-Custom passes SAM's generated preflight and is sent", async () => {
      const r = await pageFetch(page, `${sam.url}/with-cors?put`, { method: "PUT", headers: { "content-type": "application/json", "x-custom": "1" }, body: "{}", credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"method":"PUT","path":"/with-cors","mode":"with"}' });
      expect(sent(sam, "/with-cors?put")).toEqual(["OPTIONS", "PUT"]);
    });

    it("a header outside AllowHeaders blocks at the preflight; the PUT never reaches the function", async () => {
      const r = await pageFetch(page, `${sam.url}/with-cors?other`, { method: "PUT", headers: { "x-other": "1" }, credentials: "include" });
      expect(r.allowed).toBe(false);
      expect(sent(sam, "/with-cors?other")).toEqual(["OPTIONS"]);
    });

    it("a method outside the computed Allow-Methods (GET,OPTIONS,PUT) is blocked at the preflight", async () => {
      const r = await pageFetch(page, `${sam.url}/with-cors?delete`, { method: "DELETE" });
      expect(r.allowed).toBe(false);
      expect(sent(sam, "/with-cors?delete")).toEqual(["OPTIONS"]);
    });

    it("on an ANY path SAM allows every method: a DELETE passes the preflight", async () => {
      const r = await pageFetch(page, `${sam.url}/any/thing`, { method: "DELETE", credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"method":"DELETE","path":"/any/thing","mode":"with"}' });
      expect(sent(sam, "/any/thing")).toEqual(["OPTIONS", "DELETE"]);
    });

    it("SAM's OPTIONS method alone is not enough: a Lambda proxy route without its own headers is unreadable", async () => {
      const get = await pageFetch(page, `${sam.url}/no-cors`);
      expect(get.allowed).toBe(false);
      const put = await pageFetch(page, `${sam.url}/no-cors?put`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
      expect(put.allowed).toBe(false);
      // both requests reached the function: only reading the answer was refused
      expect(sent(sam, "/no-cors")).toEqual(["GET"]);
      expect(sent(sam, "/no-cors?put")).toEqual(["OPTIONS", "PUT"]);
    });

    it("another origin gets nothing: the preflight names the configured origin, so the PUT is never sent", async () => {
      const get = await pageFetch(otherPage, `${sam.url}/with-cors?elsewhere`);
      expect(get.allowed).toBe(false);
      const put = await pageFetch(otherPage, `${sam.url}/with-cors?elsewhere-put`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
      expect(put.allowed).toBe(false);
      expect(sent(sam, "/with-cors?elsewhere-put")).toEqual(["OPTIONS"]);
    });

    it("a gateway error with CORS headers from DEFAULT_4XX: the page reads the 403 and its body", async () => {
      const r = await pageFetch(page, `${sam.url}/nowhere`, { credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 403, body: '{"message":"Missing Authentication Token"}' });
      // x-amzn-ErrorType is on the response but not exposed to scripts (no Access-Control-Expose-Headers)
      if (r.allowed) expect(r.headers["x-amzn-errortype"]).toBeUndefined();
    });

    it("Max-Age '600' lets the browser reuse the preflight; Max-Age '0' (SamZeroApi) makes it ask every time", async () => {
      const put = (base: string) => pageFetch(page, `${base}/${base === sam.url ? "with-cors?cache" : "zero"}`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
      expect((await put(sam.url)).allowed).toBe(true);
      expect((await put(sam.url)).allowed).toBe(true);
      expect(sent(sam, "/with-cors?cache")).toEqual(["OPTIONS", "PUT", "PUT"]);
      await put(zero.url);
      await put(zero.url);
      expect(sent(zero, "/zero")).toEqual(["OPTIONS", "PUT", "OPTIONS", "PUT"]);
    });
  });
});
