import type { Resource } from "../../../reference-gateway/model/index.ts";

/** Maps a request (its method and its recorded URL's pathname) to the endpoint it is reported under: `METHOD /route/{template}`. */
export type EndpointOf = (method: string, pathname: string) => string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_HEX = /^[0-9a-f]{16,}$/i;

function isDigits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** Segment [from, to) of `path` is an id: numeric, a UUID or long hex. Length first: this runs on every replayed request. */
function isId(path: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 0) return false;
  if (isDigits(path, from, to)) return true;
  if (length < 16) return false;
  const segment = path.slice(from, to);
  return (length === 36 && UUID.test(segment)) || LONG_HEX.test(segment);
}

/** Without a definition: numeric, UUID and long hex segments collapse to `{id}`. Scanned in place, not split and joined. */
export const collapsedEndpoint: EndpointOf = (method, pathname) => {
  let out = `${method} `;
  let copied = 0;
  for (let from = 0; from <= pathname.length; ) {
    let to = pathname.indexOf("/", from);
    if (to < 0) to = pathname.length;
    if (isId(pathname, from, to)) {
      out += `${pathname.slice(copied, from)}{id}`;
      copied = to;
    }
    from = to + 1;
  }
  out += pathname.slice(copied);
  return pathname === "" ? `${method} /` : out;
};

interface Route {
  stage: string;
  template: string;
  match: RegExp;
  /** literal < parameter < greedy, as the gateway picks them. */
  rank: number[];
  methods: Set<string>;
}

function routesOf(resource: Resource, out: Array<Omit<Route, "stage">>): void {
  if (Object.keys(resource.methods).length > 0) {
    const parts = resource.path.split("/").filter(Boolean);
    const pattern = parts
      .map((part) => (part.endsWith("+}") ? "/.+" : part.startsWith("{") ? "/[^/]+" : `/${part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
      .join("");
    out.push({
      template: resource.path,
      match: new RegExp(`^${pattern || "/?"}$`),
      rank: parts.map((part) => (part.endsWith("+}") ? 2 : part.startsWith("{") ? 1 : 0)),
      methods: new Set(Object.keys(resource.methods)),
    });
  }
  for (const child of resource.children) routesOf(child, out);
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return b.length - a.length;
}

/**
 * Route templates learned from a definition (SAM, CloudFormation, OpenAPI): `/{stage}/…` is matched against each
 * REST API's resource tree, most specific route first; a path no route takes falls back to collapsedEndpoint.
 */
export async function definitionEndpoints(file: string, parameterOverrides: Record<string, string> = {}): Promise<EndpointOf> {
  // Imported only with --template: the gateway's modules would otherwise sit in every replay's resident memory.
  const { loadDefinition } = await import("../../../reference-gateway/index.ts");
  const model = await loadDefinition(file, { parameterOverrides });
  const routes: Route[] = [];
  for (const api of model.restApis) {
    const apiRoutes: Array<Omit<Route, "stage">> = [];
    routesOf(api.root, apiRoutes);
    for (const stage of api.stages) for (const route of apiRoutes) routes.push({ ...route, stage: stage.name });
  }
  routes.sort((a, b) => compareRank(a.rank, b.rank));
  return (method, path) => {
    const slash = path.indexOf("/", 1);
    const stage = path.slice(1, slash === -1 ? undefined : slash);
    const rest = slash === -1 ? "/" : path.slice(slash);
    const route = routes.find((r) => r.stage === stage && r.match.test(rest) && (r.methods.has(method) || r.methods.has("ANY")));
    return route ? `${method} /${stage}${route.template === "/" ? "" : route.template}` : collapsedEndpoint(method, path);
  };
}
