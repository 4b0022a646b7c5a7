import type { HttpApi, HttpRoute, HttpStage } from "../model/http-api.ts";

/**
 * Route selection for HTTP APIs (http-api-develop-routes.md, "Routing API requests"): the stage first — a request
 * whose first path segment names a stage goes to it, anything else to the `$default` stage (served without a
 * prefix); no stage → 404 `{"message":"Not Found"}`. Then the most specific route: a full match of path and method,
 * then a greedy `{proxy+}` route, then `$default`. Compiled once into a tree: literal segments before `{param}`,
 * the method before `ANY`, the deepest greedy variable before a shallower one.
 */
interface Node {
  literal: Map<string, Node>;
  param?: { name: string; node: Node };
  /** Routes ending here, by method (or ANY). */
  methods: Map<string, HttpRoute>;
  /** `{name+}` routes ending under this node, by method. */
  greedy?: { name: string; methods: Map<string, HttpRoute> };
}

const node = (): Node => ({ literal: new Map(), methods: new Map() });

export interface RouteMatch {
  route: HttpRoute;
  /** Decoded values (http-api-develop-routes.md: "API Gateway decodes URL-encoded request parameters"). */
  pathParameters: Record<string, string>;
}

export interface StageMatch {
  stage: HttpStage;
  /** The raw path after the stage prefix (the whole path for `$default`). */
  routePath: string;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export class HttpRouter {
  private readonly root = node();
  private readonly defaultRoute?: HttpRoute;
  private readonly stages = new Map<string, HttpStage>();
  private readonly defaultStage?: HttpStage;

  constructor(api: HttpApi) {
    for (const stage of api.stages) {
      if (stage.name === "$default") this.defaultStage = stage;
      else this.stages.set(stage.name, stage);
    }
    for (const route of api.routes) {
      if (route.routeKey === "$default") {
        this.defaultRoute = route;
        continue;
      }
      const segments = route.path === "/" ? [] : route.path!.slice(1).split("/");
      let at = this.root;
      for (const [i, segment] of segments.entries()) {
        const variable = /^\{(.+?)(\+)?\}$/.exec(segment);
        if (variable?.[2] && i === segments.length - 1) {
          at.greedy ??= { name: variable[1]!, methods: new Map() };
          at.greedy.methods.set(route.method, route);
          at = undefined as unknown as Node;
          break;
        }
        if (variable) {
          at.param ??= { name: variable[1]!, node: node() };
          at = at.param.node;
        } else {
          let next = at.literal.get(segment);
          if (!next) at.literal.set(segment, (next = node()));
          at = next;
        }
      }
      if (at) at.methods.set(route.method, route);
    }
  }

  /** The stage a raw request path addresses, or undefined (404). */
  stage(rawPath: string): StageMatch | undefined {
    const first = /^\/([^/]*)/.exec(rawPath)?.[1];
    const named = first === undefined ? undefined : this.stages.get(decode(first));
    if (named) return { stage: named, routePath: rawPath.slice(first!.length + 1) || "/" };
    return this.defaultStage ? { stage: this.defaultStage, routePath: rawPath } : undefined;
  }

  route(method: string, routePath: string): RouteMatch | undefined {
    const segments = routePath === "/" ? [] : routePath.slice(1).split("/").map(decode);
    const params: Array<[string, string]> = [];
    const exact = this.exact(this.root, segments, 0, method, params);
    if (exact) return exact;
    const greedy = this.greedy(this.root, segments, 0, method, []);
    if (greedy) return greedy;
    return this.defaultRoute ? { route: this.defaultRoute, pathParameters: {} } : undefined;
  }

  private exact(at: Node, segments: string[], i: number, method: string, params: Array<[string, string]>): RouteMatch | undefined {
    if (i === segments.length) {
      const route = at.methods.get(method) ?? at.methods.get("ANY");
      return route ? { route, pathParameters: Object.fromEntries(params) } : undefined;
    }
    const segment = segments[i]!;
    const literal = at.literal.get(segment);
    const viaLiteral = literal && this.exact(literal, segments, i + 1, method, params);
    if (viaLiteral) return viaLiteral;
    if (at.param && segment !== "") return this.exact(at.param.node, segments, i + 1, method, [...params, [at.param.name, segment]]);
    return undefined;
  }

  private greedy(at: Node, segments: string[], i: number, method: string, params: Array<[string, string]>): RouteMatch | undefined {
    if (i >= segments.length) return undefined;
    const segment = segments[i]!;
    const literal = at.literal.get(segment);
    const deeper = (literal && this.greedy(literal, segments, i + 1, method, params)) || (at.param && segment !== "" ? this.greedy(at.param.node, segments, i + 1, method, [...params, [at.param.name, segment]]) : undefined);
    if (deeper) return deeper;
    const route = at.greedy && (at.greedy.methods.get(method) ?? at.greedy.methods.get("ANY"));
    if (!route) return undefined;
    return { route, pathParameters: Object.fromEntries([...params, [at.greedy!.name, segments.slice(i).join("/")]]) };
  }
}
