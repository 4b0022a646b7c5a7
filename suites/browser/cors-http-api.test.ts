/**
 * HTTP API CORS proven in a real browser (headless chromium): pages from loopback origins call HTTP APIs with a
 * CorsConfiguration (fixture suites/scenario/fixtures/cors-http-api/template.yaml). The gateway's rules are
 * http-api-cors.md (spec §5.2): preflights answered automatically, configured headers added to responses, the
 * backend's CORS headers ignored. What the browser enforces is the Fetch standard's CORS protocol
 * (fetch.spec.whatwg.org "CORS check", "CORS-preflight fetch", "CORS-preflight cache").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";
import { launchBrowser, openPage, pageFetch, pageServer, recordingProxy, sent, skipBrowser, type Browser } from "./harness.ts";

const TEMPLATE = new URL("../scenario/fixtures/cors-http-api/template.yaml", import.meta.url).pathname;
type Proxy = Awaited<ReturnType<typeof recordingProxy>>;
const JSON_PUT = { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" };

describe.skipIf(skipBrowser)("HTTP API CORS in chromium", features(["cors.http-api"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let browser: Browser;
  let servers: Array<{ close(): Promise<void> }> = [];
  let exact: Proxy;
  let star: Proxy;
  let page: Page;
  let otherPage: Page;

  beforeAll(async () => {
    const [allowed, other] = await Promise.all([pageServer(), pageServer()]);
    servers = [allowed, other];
    gateway = await startGateway({ template: TEMPLATE, port: 0, log: () => {}, parameterOverrides: { PageOrigin: allowed.origin } });
    const url = (api: string) => gateway.urls.find((u) => u.api === api)!.url;
    [exact, star] = await Promise.all([recordingProxy(url("ExactApi")), recordingProxy(url("StarApi"))]);
    servers.push(exact, star);
    browser = await launchBrowser();
    [page, otherPage] = await Promise.all([openPage(browser, allowed.origin), openPage(browser, other.origin)]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await gateway?.close();
  });

  describe("AllowOrigins: the page's exact origin, AllowCredentials, ExposeHeaders [x-exposed], MaxAge 600", () => {
    it("a credentialed GET is readable; only the exposed header is visible to the script", async () => {
      const r = await pageFetch(page, `${exact.url}/items`, { credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"method":"GET","path":"/items"}' });
      if (r.allowed) {
        expect(r.headers["x-exposed"]).toBe("yes");
        expect(r.headers["x-hidden"]).toBeUndefined();
      }
      expect(sent(exact, "/items")).toEqual(["GET"]);
    });

    it("the backend's own Access-Control-Allow-Origin is ignored (else the page origin would not match)", async () => {
      const r = await pageFetch(page, `${exact.url}/items?own`);
      expect(r).toMatchObject({ allowed: true, status: 200 });
    });

    it("a credentialed JSON PUT with x-custom: automatic preflight (no OPTIONS route), then the PUT", async () => {
      const r = await pageFetch(page, `${exact.url}/items?put`, { ...JSON_PUT, headers: { ...JSON_PUT.headers, "x-custom": "1" }, credentials: "include" });
      expect(r).toMatchObject({ allowed: true, status: 200, body: '{"method":"PUT","path":"/items"}' });
      expect(sent(exact, "/items?put")).toEqual(["OPTIONS", "PUT"]);
    });

    it("a method outside AllowMethods (DELETE, although a route exists) is blocked at the preflight", async () => {
      const r = await pageFetch(page, `${exact.url}/items?delete`, { method: "DELETE" });
      expect(r.allowed).toBe(false);
      expect(sent(exact, "/items?delete")).toEqual(["OPTIONS"]);
    });

    it("a header outside AllowHeaders is blocked at the preflight", async () => {
      const r = await pageFetch(page, `${exact.url}/items?header`, { headers: { "x-other": "1" } });
      expect(r.allowed).toBe(false);
      expect(sent(exact, "/items?header")).toEqual(["OPTIONS"]);
    });

    it("another origin: the GET is sent but unreadable, the PUT never leaves the browser", async () => {
      expect((await pageFetch(otherPage, `${exact.url}/items?elsewhere`)).allowed).toBe(false);
      expect((await pageFetch(otherPage, `${exact.url}/items?elsewhere-put`, JSON_PUT)).allowed).toBe(false);
      expect(sent(exact, "/items?elsewhere")).toEqual(["GET"]);
      expect(sent(exact, "/items?elsewhere-put")).toEqual(["OPTIONS"]);
    });

    it("MaxAge 600: the second identical PUT reuses the preflight", async () => {
      expect((await pageFetch(page, `${exact.url}/items?cache`, JSON_PUT)).allowed).toBe(true);
      expect((await pageFetch(page, `${exact.url}/items?cache`, JSON_PUT)).allowed).toBe(true);
      expect(sent(exact, "/items?cache")).toEqual(["OPTIONS", "PUT", "PUT"]);
    });
  });

  describe("AllowOrigins ['*'], AllowMethods ['*'], no credentials, MaxAge 0", () => {
    it("any origin reads a GET, and a DELETE passes the preflight", async () => {
      for (const p of [page, otherPage]) {
        expect(await pageFetch(p, `${star.url}/items`)).toMatchObject({ allowed: true, status: 200 });
        expect(await pageFetch(p, `${star.url}/items?delete`, { method: "DELETE" })).toMatchObject({ allowed: true, status: 200, body: '{"method":"DELETE","path":"/items"}' });
      }
    });

    it("with credentials, Allow-Origin * is refused by the browser", async () => {
      const r = await pageFetch(page, `${star.url}/items?cred`, { credentials: "include" });
      expect(r.allowed).toBe(false);
      expect(sent(star, "/items?cred")).toEqual(["GET"]);
    });

    it("MaxAge 0: every PUT is preflighted again", async () => {
      await pageFetch(page, `${star.url}/items?nocache`, JSON_PUT);
      await pageFetch(page, `${star.url}/items?nocache`, JSON_PUT);
      expect(sent(star, "/items?nocache")).toEqual(["OPTIONS", "PUT", "OPTIONS", "PUT"]);
    });
  });
});
