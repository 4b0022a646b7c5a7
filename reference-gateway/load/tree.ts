/** Builds the complete resource tree of a REST API from routes (path + method) and method-less paths. */
import type { Method, Resource } from "../model/types.ts";
import { fail } from "./errors.ts";
import { resourceId } from "./ids.ts";
import type { Requirement } from "./security/schemes.ts";

export interface Route {
  path: string;
  method: Method;
  /** File and JSON path reported when the path itself is invalid. */
  file: string;
  jsonPath: string;
  /** OpenAPI `security` as written (undefined: the operation has none); SAM applies its Auth defaults to it. */
  security?: Requirement[];
  /** OpenAPI `x-amazon-apigateway-auth: {type: AWS_IAM}`: where it is written. */
  iamAuth?: { file: string; path: string; what: string };
}

export interface BarePath {
  path: string;
  file: string;
  jsonPath: string;
}

const LITERAL = /^[A-Za-z0-9._~:@!$&'()*+,;=-]+$/;
const VARIABLE = /^\{[A-Za-z0-9._-]+\}$/;
const GREEDY = /^\{[A-Za-z0-9._-]+\+\}$/;

export function splitPath(path: string, file: string, jsonPath: string): string[] {
  if (path === "/") return [];
  if (!path.startsWith("/")) fail(file, jsonPath, `invalid path "${path}": must start with /`);
  const parts = path.slice(1).split("/");
  parts.forEach((part, i) => {
    if (part === "") fail(file, jsonPath, `invalid path "${path}": empty path part`);
    if (GREEDY.test(part)) {
      if (i !== parts.length - 1) fail(file, jsonPath, `invalid path "${path}": a greedy {name+} part must be the last one`);
    } else if (!VARIABLE.test(part) && !LITERAL.test(part)) {
      fail(file, jsonPath, `invalid path "${path}": path part "${part}" is not a literal, {name} or {name+}`);
    }
  });
  return parts;
}

export function buildTree(api: string, routes: Route[], bare: BarePath[] = []): Resource {
  const root: Resource = { path: "/", pathPart: "", id: resourceId(api, "/"), children: [], methods: {} };
  const ensure = (path: string, file: string, jsonPath: string): Resource => {
    let node = root;
    for (const part of splitPath(path, file, jsonPath)) {
      let next = node.children.find((c) => c.pathPart === part);
      if (!next) {
        const sibling = node.children.find((c) => c.pathPart.startsWith("{"));
        if (part.startsWith("{") && sibling) {
          fail(file, jsonPath, `invalid path "${path}": sibling ${sibling.path} already has a variable path part; only one is allowed`);
        }
        const full = node.path === "/" ? `/${part}` : `${node.path}/${part}`;
        next = { path: full, pathPart: part, id: resourceId(api, full), children: [], methods: {} };
        node.children.push(next);
      }
      node = next;
    }
    return node;
  };
  for (const b of bare) ensure(b.path, b.file, b.jsonPath);
  for (const r of routes) {
    const node = ensure(r.path, r.file, r.jsonPath);
    node.methods[r.method.httpMethod] = r.method;
  }
  return root;
}
