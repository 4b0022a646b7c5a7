import type { Method, Resource } from "../model/index.ts";

export interface RouteMatch {
  resource: Resource;
  method: Method;
  /**
   * Path parameter values as taken from the raw path, percent-encoding kept: REST APIs do not decode them (captured:
   * "****%20Doe" on REST where HTTP APIs give "**** Doe", aws-lambda-dotnet LambdaTestTool-v2 HttpContextTestCases).
   */
  pathParameters: Record<string, string>;
}

interface Node {
  resource: Resource;
  literals: Map<string, Node>;
  param?: { name: string; node: Node };
  greedy?: { name: string; resource: Resource };
}

/**
 * The resource tree compiled for matching. Precedence as on AWS: a literal path part beats `{param}`, which beats
 * a greedy `{proxy+}`; the choice is made per method, so a literal resource without the request's method (nor ANY)
 * lets a less specific resource that has it answer. An explicit method beats ANY on the same resource.
 */
export class Router {
  private readonly root: Node;

  constructor(root: Resource) {
    this.root = compile(root);
  }

  /**
   * `path` is the raw resource path after the stage, its segments separated by `/` (empty for the root resource);
   * undefined when nothing matches (AWS: 403 MissingAuthenticationToken). Segments are read in place, not split out.
   */
  match(httpMethod: string, path: string): RouteMatch | undefined {
    return search(this.root, path, path === "" ? 1 : 0, httpMethod, {});
  }
}

function compile(resource: Resource): Node {
  const node: Node = { resource, literals: new Map() };
  for (const child of resource.children) {
    const greedy = /^\{(.+)\+\}$/.exec(child.pathPart);
    const param = /^\{(.+)\}$/.exec(child.pathPart);
    if (greedy) node.greedy = { name: greedy[1]!, resource: child };
    else if (param) node.param = { name: param[1]!, node: compile(child) };
    else node.literals.set(child.pathPart, compile(child));
  }
  return node;
}

function methodOf(resource: Resource, httpMethod: string): Method | undefined {
  return resource.methods[httpMethod] ?? resource.methods.ANY;
}

/** Matches the segment of `path` starting at `start` and those after it; `start` past the end: no segment left. */
function search(node: Node, path: string, start: number, httpMethod: string, params: Record<string, string>): RouteMatch | undefined {
  if (start > path.length) {
    const method = methodOf(node.resource, httpMethod);
    return method && { resource: node.resource, method, pathParameters: params };
  }
  const slash = path.indexOf("/", start);
  const end = slash < 0 ? path.length : slash;
  const segment = path.slice(start, end);
  const literal = node.literals.get(segment);
  if (literal) {
    const found = search(literal, path, end + 1, httpMethod, params);
    if (found) return found;
  }
  if (node.param && segment !== "") {
    const found = search(node.param.node, path, end + 1, httpMethod, { ...params, [node.param.name]: segment });
    if (found) return found;
  }
  if (node.greedy) {
    const method = methodOf(node.greedy.resource, httpMethod);
    // This segment and every one after it, `/` and empty segments included.
    const rest = path.slice(start);
    if (method && rest !== "") return { resource: node.greedy.resource, method, pathParameters: { ...params, [node.greedy.name]: rest } };
  }
  return undefined;
}
