/**
 * The admin endpoint's router: a gateway-wide side door (never under an API's stages) where the runtime's parts
 * register what operators ask for — remaining quota like GetUsage (throttle/), cache flush and metrics (cache/,
 * observe/). Each part registers its own routes at start; the admin server (server.ts) serves them on its own port.
 *
 * Patterns are literal segments and `:name` parameters: `GET /usage/:planId`. JSON in, JSON (or text) out.
 */

export interface AdminRequest {
  method: string;
  /** Path without the query, percent-decoded per segment. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AdminResponse {
  status: number;
  /** Default `application/json` when `json` is given. */
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  json?: unknown;
  /** Sent as is (e.g. Prometheus text). */
  text?: string;
}

export type AdminHandler = (request: AdminRequest) => AdminResponse | Promise<AdminResponse>;

interface Entry {
  method: string;
  pattern: string;
  segments: string[];
  handler: AdminHandler;
  description: string;
}

export class AdminRouter {
  private readonly entries: Entry[] = [];

  /** `route` is `"METHOD /path/:param"`; `description` shows in `GET /` (the index of routes). */
  add(route: string, handler: AdminHandler, description = ""): this {
    const space = route.indexOf(" ");
    if (space < 0) throw new TypeError(`admin route "${route}" must be "METHOD /path"`);
    const method = route.slice(0, space).toUpperCase();
    const pattern = route.slice(space + 1);
    if (!pattern.startsWith("/")) throw new TypeError(`admin route "${route}": the path must start with /`);
    if (this.entries.some((e) => e.method === method && e.pattern === pattern)) throw new TypeError(`admin route "${route}" is registered twice`);
    this.entries.push({ method, pattern, segments: split(pattern), handler, description });
    return this;
  }

  /** The registered routes, for the index page. */
  routes(): Array<{ route: string; description: string }> {
    return this.entries.map((e) => ({ route: `${e.method} ${e.pattern}`, description: e.description }));
  }

  async handle(request: Omit<AdminRequest, "params">): Promise<AdminResponse> {
    const segments = split(request.path);
    if (request.method === "GET" && segments.length === 0) return { status: 200, json: { routes: this.routes() } };
    let pathMatched = false;
    for (const entry of this.entries) {
      const params = match(entry.segments, segments);
      if (params === undefined) continue;
      pathMatched = true;
      if (entry.method !== request.method) continue;
      return entry.handler({ ...request, params });
    }
    return pathMatched ? { status: 405, json: { message: `method ${request.method} not allowed on ${request.path}` } } : { status: 404, json: { message: `no admin route ${request.path}`, routes: this.routes() } };
  }
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function match(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, p] of pattern.entries()) {
    const a = actual[i]!;
    if (p.startsWith(":")) params[p.slice(1)] = a;
    else if (p !== a) return undefined;
  }
  return params;
}
