/**
 * A real browser for the CORS suites: Debian's chromium at /usr/bin/chromium driven by playwright-core (which never
 * downloads a browser of its own), headless, with a fresh profile per file. Pages come from loopback page servers
 * (each port its own origin); the gateway is reached through a recording proxy, so a test can tell which requests
 * the browser actually sent (a blocked preflight means the actual request never left the browser).
 *
 * Without /usr/bin/chromium the browser suites are skipped with a message — except in CI (`CI` set), where they run
 * and fail loudly, because .ci/run installs chromium.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** True when the browser suites must be skipped (no chromium and not CI). */
export const skipBrowser = !existsSync(CHROMIUM) && !process.env["CI"];
if (skipBrowser) process.stderr.write(`suites/browser: skipped — ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)\n`);

/** Flags this machine needs for headless chromium. */
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser suites need Debian's chromium (.ci/run installs it)`);
  const profile = mkdtempSync(join(tmpdir(), "gateproof-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A loopback server answering every GET with an empty HTML page: its origin is where the page's fetches come from. */
export async function pageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>gateproof cors page</title>");
  });
  await listen(server);
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

/** Opens a page of `origin` in the browser. */
export async function openPage(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/`);
  return page;
}

export interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * A plain HTTP forwarder in front of a gateway base URL (`http://127.0.0.1:P/stage`): `url` replaces it, and `seen`
 * lists every request the browser sent through it, preflights included. Nothing is changed on the way.
 */
export async function recordingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const t = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    const upstream = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    });
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await listen(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${t.pathname.replace(/\/$/, "")}`, seen, close: () => close(server) };
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  credentials?: "omit" | "same-origin" | "include";
}

/** What the page's script could see of a fetch: the response (as exposed to JS) or the rejection. */
export type FetchResult =
  | { allowed: true; status: number; type: string; headers: Record<string, string>; body: string }
  | { allowed: false; error: string };

/** Runs `fetch(url, init)` inside the page. */
export async function pageFetch(page: Page, url: string, init: FetchInit = {}): Promise<FetchResult> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const r = await fetch(url, init);
        const headers: Record<string, string> = {};
        r.headers.forEach((v, k) => (headers[k] = v));
        return { allowed: true as const, status: r.status, type: r.type, headers, body: await r.text() };
      } catch (e) {
        return { allowed: false as const, error: String(e) };
      }
    },
    { url, init },
  );
}

/** Requests the proxy saw for `path` (path relative to the stage, query string included) by method. */
export function sent(proxy: { seen: Seen[]; url: string }, path: string): string[] {
  const prefix = new URL(proxy.url).pathname.replace(/\/$/, "");
  return proxy.seen.filter((s) => s.path === prefix + path).map((s) => s.method);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
