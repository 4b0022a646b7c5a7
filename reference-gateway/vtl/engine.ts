import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Helper, parse as parseVelocity } from "velocityjs";
import {
  inputParam,
  TemplateCompileError,
  TemplateRenderError,
  type CompiledTemplate,
  type TemplateEngine,
  type TemplateScope,
} from "../templates/scope.ts";
import { JsonSyntaxError, parseBody } from "./json.ts";
import { compileJsonPath, JsonPathError } from "./jsonpath.ts";
import { callMethod, getIndex, getProperty } from "./methods.ts";
import { utilHost } from "./util.ts";
import { Host, isNumber, isInteger, JDouble, javaEquals, javaString, jsonLists, numberOf, renderValue, toJson, truthy, fromPlain, type V } from "./values.ts";

/**
 * API Gateway's Velocity engine. velocityjs parses the template once, at load; this module walks its syntax tree per
 * request with Apache Velocity 1.7 semantics and API Gateway's variables. It never hands velocityjs (or any JavaScript
 * object) to the template: values are the closed set in values.ts and members come from the tables in methods.ts.
 */

export const LIMITS = {
  /** Mapping template size (api-gateway-known-issues.md: 300 KB). */
  templateBytes: 300 * 1024,
  /** #foreach iterations per loop (limits.md: 1000, not adjustable); further items are skipped like Velocity's maxloops. */
  foreachIterations: 1000,
  /** Wall-clock budget for one render. */
  renderMillis: 500,
  /** Largest output, and largest string a template may build (the 10 MB payload limit). */
  outputChars: 10 * 1024 * 1024,
  /** Velocity's velocimacro.max.depth default (20); also bounds #evaluate nesting. */
  macroDepth: 20,
  /** Largest [a..b] range literal. */
  rangeItems: 100_000,
};

// ---------------------------------------------------------------------------------------------------------------
// Syntax tree (velocityjs's shapes, narrowed to what is used here)

interface Pos {
  first_line: number;
  first_column: number;
}
type Ast = string | Node | Ast[];
interface Node {
  type: string;
  id?: string;
  pos?: Pos;
  [key: string]: unknown;
}
interface RefNode extends Node {
  type: "references";
  id: string;
  leader: string;
  path?: PathNode[];
  args?: Node[] | false;
}
type PathNode = { type: "property"; id: string } | { type: "method"; id: string; args: Node[] | false } | { type: "index"; id: Node };

interface Prepared {
  body: Ast[];
  macros: Map<string, { args: string[]; body: Ast[] }>;
  /** Double-quoted string literals containing `$` or `#`, parsed once. */
  strings: WeakMap<Node, Ast[]>;
}

/**
 * velocityjs's token-level parser (before blocks are nested). Its public parse() silently drops everything after a
 * stray #end and renders an unclosed block's body twice, where Velocity refuses the template; the flat tokens let us
 * check the nesting first. Loaded from the package's own CommonJS build; without it the check is skipped.
 */
const flatParse: ((text: string) => Array<string | { type: string }>) | undefined = (() => {
  try {
    const require = createRequire(import.meta.url);
    const module = require(join(dirname(require.resolve("velocityjs")), "parse/index.cjs")) as { parse_1?: unknown };
    return typeof module.parse_1 === "function" ? (module.parse_1 as (text: string) => Array<string | { type: string }>) : undefined;
  } catch {
    return undefined;
  }
})();

const BLOCK_TYPES = new Set(["if", "foreach", "macro", "noescape", "define", "macro_body"]);

/** Parses VTL into velocityjs's nested tree; a syntax error or unbalanced #end is reported through `fail`. */
function parseVtl(text: string, fail: (reason: string) => Error): Ast[] {
  try {
    if (flatParse) {
      let depth = 0;
      for (const token of flatParse(text)) {
        if (typeof token === "string") continue;
        if (BLOCK_TYPES.has(token.type)) depth++;
        else if (token.type === "end" && --depth < 0) throw fail("VTL syntax error: #end without an open #if/#foreach/#macro/#define");
      }
      if (depth > 0) throw fail("VTL syntax error: missing #end");
    }
    return parseVelocity(text) as unknown as Ast[];
  } catch (error) {
    if (error instanceof TemplateCompileError || error instanceof TemplateRenderError) throw error;
    const message = String((error as Error).message ?? error).split("\n");
    throw fail(`VTL syntax error: ${message.slice(0, 3).join(" ").replace(/\s+/g, " ").trim()}`);
  }
}

function parseText(text: string): Ast[] {
  return parseVtl(text, (reason) => new TemplateCompileError(reason));
}

function prepare(text: string): Prepared {
  const prepared: Prepared = { body: parseText(text), macros: new Map(), strings: new WeakMap() };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      const head = node[0] as Node | undefined;
      if (head && typeof head === "object" && !Array.isArray(head) && head.type === "macro") {
        const args = ((head.args as RefNode[] | undefined) ?? []).map((a) => a.id);
        prepared.macros.set(String(head.id), { args, body: node.slice(1) as Ast[] });
      }
      for (const child of node) visit(child);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (n.type === "string" && n.isEval === true && typeof n.value === "string" && /[$#]/.test(n.value)) {
      const sub = parseText(n.value);
      prepared.strings.set(n, sub);
      visit(sub);
    }
    for (const key of Object.keys(n)) if (key !== "pos" && key !== "type") visit(n[key]);
  };
  visit(prepared.body);
  return prepared;
}

// ---------------------------------------------------------------------------------------------------------------
// Overrides ($context.requestOverride / responseOverride): maps that accept each name once.

class OverrideMap extends Map<string, V> {
  constructor(readonly label: string) {
    super();
  }
  override set(key: string, value: V): this {
    // apigateway-override-request-response-parameters.md: "Overrides are final … overriding the same parameter
    // again produces 5XX".
    if (this.has(key)) throw new TemplateRenderError(`${this.label}.${key} is overridden twice`, "override-conflict");
    return super.set(key, value);
  }
}

function overrideText(v: V): string {
  // A list is sent comma-joined (apigateway-override-request-response-parameters.md, multivalueheader example).
  return Array.isArray(v) ? v.map(renderValue).join(",") : renderValue(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

class Stop {}
const STOP = new Stop();

/**
 * A render's variables. `$context` and `$stageVariables` are converted from the scope on first use: most templates
 * never read them, and `$context` (identity included) is the largest value a render would otherwise convert.
 * A variable set or removed by the template before its first use replaces the conversion.
 */
class Variables extends Map<string, V> {
  private readonly pending = new Map<string, () => V>();

  later(name: string, make: () => V): void {
    this.pending.set(name, make);
  }

  override get(name: string): V | undefined {
    const make = this.pending.get(name);
    if (make !== undefined) {
      this.pending.delete(name);
      super.set(name, make());
    }
    return super.get(name);
  }

  override set(name: string, value: V): this {
    this.pending.delete(name);
    return super.set(name, value);
  }

  override delete(name: string): boolean {
    const pending = this.pending.delete(name);
    return super.delete(name) || pending;
  }
}

class Renderer {
  private readonly vars = new Variables();
  private readonly defines = new WeakMap<Host, Ast[]>();
  private readonly deadline: number;
  private steps = 0;
  private depth = 0;
  private breaking = false;
  private body?: V;
  readonly request = { header: new OverrideMap("requestOverride.header"), path: new OverrideMap("requestOverride.path"), querystring: new OverrideMap("requestOverride.querystring") };
  readonly response = new OverrideMap("responseOverride");
  readonly responseHeader = new OverrideMap("responseOverride.header");

  constructor(
    private readonly prepared: Prepared,
    private readonly scope: TemplateScope,
  ) {
    this.deadline = Date.now() + LIMITS.renderMillis;
    this.response.set("header", this.responseHeader);
    this.vars.later("context", () => {
      const context = fromPlain(scope.context);
      const contextMap = context instanceof Map ? context : new Map<string, V>();
      contextMap.set("requestOverride", new Map<string, V>(Object.entries(this.request)));
      contextMap.set("responseOverride", this.response);
      return contextMap;
    });
    this.vars.later("stageVariables", () => fromPlain(scope.stageVariables ?? {}));
    this.vars.set("util", utilHost);
    this.vars.set("input", this.inputHost());
  }

  private inputHost(): Host {
    const params = (): V => {
      const { path, querystring, header } = this.scope.input.params;
      // Key order path, querystring, header ([OBS] yyolk/api-gateway-payload-parse README: "{path={…}, querystring={…}, header={…}}").
      return new Map<string, V>([
        ["path", fromPlain(path)],
        ["querystring", fromPlain(querystring)],
        ["header", fromPlain(header)],
      ]);
    };
    // An empty payload reads as "{}" (LocalStack template_mapping.py VelocityInput.body / _extract_json_path).
    const bodyText = () => this.scope.input.body || "{}";
    const select = (args: V[]): V | undefined => {
      const [path] = args;
      const text = typeof path === "string" ? path : "$";
      let compiled;
      try {
        compiled = compileJsonPath(text);
      } catch (error) {
        if (error instanceof JsonPathError) throw new TemplateRenderError(error.message);
        throw error;
      }
      return compiled.evaluate(this.parsedBody());
    };
    return new Host(
      "input",
      new Map<string, () => V>([["body", bodyText]]),
      new Map<string, (args: V[]) => V>([
        ["body", () => bodyText()],
        [
          "params",
          (args) => {
            if (args.length === 0) return params();
            const [name] = args;
            if (typeof name !== "string") return null;
            // path, then query string, then header (case-insensitive); a missing parameter is "" (LocalStack VelocityInput.params).
            return inputParam(this.scope, name) ?? "";
          },
        ],
        // $input.path: the value itself (null when the path leads nowhere, which prints as nothing: [OBS] toqoz/api-gateway-mapping-template#5).
        ["path", (args) => select(args) ?? null],
        // $input.json: the JSON text of the value; a path leading nowhere gives "" (assumption, see report).
        ["json", (args) => {
          const value = select(args);
          return value === undefined ? "" : toJson(value);
        }],
      ]),
    );
  }

  private parsedBody(): V {
    if (this.body === undefined) {
      const text = this.scope.input.body || "{}";
      try {
        this.body = parseBody(text);
      } catch (error) {
        if (error instanceof JsonSyntaxError) throw new TemplateRenderError(`Could not parse request body into json: ${error.message}`, "invalid-json");
        throw error;
      }
    }
    return this.body;
  }

  private tick(): void {
    if (++this.steps % 256 === 0 && Date.now() > this.deadline)
      throw new TemplateRenderError(`template rendering exceeded ${LIMITS.renderMillis} ms`, "limit");
  }

  private guard<T extends V | undefined>(v: T): T {
    if (typeof v === "string" && v.length > LIMITS.outputChars) throw new TemplateRenderError("template built a string over the output limit", "limit");
    return v;
  }

  run(): string {
    const out: string[] = [];
    try {
      this.renderList(this.prepared.body, out);
    } catch (error) {
      if (error !== STOP) throw error;
    }
    return out.join("");
  }

  private emit(out: string[], text: string): void {
    if (!text) return;
    out.push(text);
    // Cheap running total on the array itself.
    const total = ((out as unknown as { size?: number }).size ?? 0) + text.length;
    (out as unknown as { size?: number }).size = total;
    if (total > LIMITS.outputChars) throw new TemplateRenderError("template output over the limit", "limit");
  }

  private renderList(list: Ast[], out: string[]): void {
    for (const ast of list) {
      if (this.breaking) return;
      this.tick();
      if (typeof ast === "string") this.emit(out, ast);
      else if (Array.isArray(ast)) this.renderBlock(ast, out);
      else this.renderNode(ast, out);
    }
  }

  private renderNode(node: Node, out: string[]): void {
    switch (node.type) {
      case "references": {
        const value = this.reference(node as RefNode);
        if (value instanceof Host && this.defines.has(value) && !(node as RefNode).path) {
          this.nested(() => this.renderList(this.defines.get(value)!, out));
        } else this.emit(out, renderValue(value));
        return;
      }
      case "set":
        this.set(node);
        return;
      case "break":
        this.breaking = true;
        return;
      case "comment":
        return;
      case "raw":
        this.emit(out, String(node.value ?? ""));
        return;
      case "macro_call":
        this.macroCall(node, out, undefined);
        return;
      default:
        return;
    }
  }

  private nested(fn: () => void): void {
    if (++this.depth > LIMITS.macroDepth) throw new TemplateRenderError(`macro/#evaluate nesting deeper than ${LIMITS.macroDepth}`, "limit");
    try {
      fn();
    } finally {
      this.depth--;
    }
  }

  private renderBlock(block: Ast[], out: string[]): void {
    const head = block[0];
    if (!head || typeof head !== "object" || Array.isArray(head)) return this.renderList(block, out);
    switch (head.type) {
      case "if":
        return this.renderIf(block, out);
      case "foreach":
        return this.renderForeach(head, block.slice(1), out);
      case "macro":
        return; // collected at compile time
      case "define": {
        const holder = new Host("define");
        this.defines.set(holder, block.slice(1));
        this.vars.set(String(head.id), holder);
        return;
      }
      case "macro_body": {
        const content: string[] = [];
        this.renderList(block.slice(1), content);
        return this.macroCall(head, out, content.join(""));
      }
      case "noescape":
        return this.renderList(block.slice(1), out);
      default:
        return this.renderList(block, out);
    }
  }

  private renderIf(block: Ast[], out: string[]): void {
    let chosen = false;
    let taking = false;
    const body: Ast[] = [];
    for (const ast of block) {
      const node = ast as Node;
      const isBranch = typeof ast === "object" && !Array.isArray(ast) && (node.type === "if" || node.type === "elseif" || node.type === "else");
      if (isBranch) {
        if (chosen) break;
        taking = node.type === "else" ? true : truthy(this.expr(node.condition as Node));
        chosen = taking;
        continue;
      }
      if (taking) body.push(ast);
    }
    this.renderList(body, out);
  }

  private iterable(value: V | undefined): V[] | undefined {
    if (Array.isArray(value)) return [...value];
    if (value instanceof Map) return [...value.values()]; // Velocity iterates a Map's values
    return undefined;
  }

  private renderForeach(head: Node, body: Ast[], out: string[]): void {
    const items = this.iterable(this.expr(head.from as Node));
    if (!items) return;
    const name = String(head.to);
    const saved = { item: this.vars.get(name), foreach: this.vars.get("foreach"), count: this.vars.get("velocityCount") };
    const parent = saved.foreach ?? null;
    // limits.md: at most 1000 iterations; Velocity's directive.foreach.maxloops ends the loop there.
    const n = Math.min(items.length, LIMITS.foreachIterations);
    try {
      for (let i = 0; i < n; i++) {
        this.tick();
        const hasNext = i + 1 < items.length; // the iterator's answer, even on the last allowed iteration
        const scope = new Host(
          "foreach",
          new Map<string, () => V>([
            ["index", () => i],
            ["count", () => i + 1],
            ["hasNext", () => hasNext],
            ["first", () => i === 0],
            ["last", () => !hasNext],
            ["parent", () => parent],
          ]),
          new Map<string, (args: V[]) => V>([
            ["hasNext", () => hasNext],
            ["isFirst", () => i === 0],
            ["isLast", () => !hasNext],
            ["getIndex", () => i],
            ["getCount", () => i + 1],
          ]),
        );
        this.vars.set(name, items[i]!);
        this.vars.set("foreach", scope);
        this.vars.set("velocityCount", i + 1); // Velocity 1.7: counter starts at 1
        this.renderList(body, out);
        if (this.breaking) {
          this.breaking = false;
          break;
        }
      }
    } finally {
      restore(this.vars, name, saved.item);
      restore(this.vars, "foreach", saved.foreach);
      restore(this.vars, "velocityCount", saved.count);
    }
  }

  private macroCall(node: Node, out: string[], bodyContent: string | undefined): void {
    const id = String(node.id);
    const args = (Array.isArray(node.args) ? (node.args as Node[]) : []).map((a) => this.expr(a));
    if (id === "stop") throw STOP;
    if (id === "parse" || id === "include")
      throw new TemplateRenderError(`#${id} is not available: API Gateway templates have no other templates to read`, "refused");
    if (id === "evaluate") {
      const [text] = args;
      if (typeof text !== "string") return;
      const ast = parseEvaluated(text);
      this.nested(() => this.renderList(ast, out));
      return;
    }
    const macro = this.prepared.macros.get(id);
    if (!macro) {
      // Velocity prints a call of an undefined macro as written.
      this.emit(out, Helper.getRefText(node as never));
      return;
    }
    const saved = macro.args.map((name) => [name, this.vars.get(name)] as const);
    const savedBody = this.vars.get("bodyContent");
    try {
      macro.args.forEach((name, i) => {
        const value = args[i];
        if (value === undefined || value === null) this.vars.delete(name);
        else this.vars.set(name, value);
      });
      if (bodyContent !== undefined) this.vars.set("bodyContent", bodyContent);
      this.nested(() => this.renderList(macro.body, out));
      this.breaking = false;
    } finally {
      for (const [name, value] of saved) restore(this.vars, name, value);
      restore(this.vars, "bodyContent", savedBody);
    }
  }

  // -- references and #set --------------------------------------------------------------------------------------

  private reference(ref: RefNode): V | undefined {
    if (ref.args) return undefined; // `$foo()`: not Velocity
    let value: V | undefined = this.vars.get(ref.id);
    for (const step of ref.path ?? []) {
      if (value === undefined || value === null) return undefined;
      this.tick();
      if (step.type === "property") value = getProperty(value, step.id);
      else if (step.type === "method") value = this.guard(callMethod(value, step.id, (step.args || []).map((a) => this.expr(a) ?? null)));
      else {
        const index = this.expr(step.id);
        value = index === undefined || index === null ? undefined : getIndex(value, index);
      }
    }
    return value;
  }

  private set(node: Node): void {
    const [target, source] = node.equal as [RefNode, Node];
    const value = this.expr(source);
    // Velocity 1.7: a null right-hand side leaves the target as it was (directive.set.null.allowed = false).
    if (value === undefined || value === null) return;
    const path = target.path ?? [];
    if (path.length === 0) {
      this.vars.set(target.id, value);
      return;
    }
    let holder: V | undefined = this.vars.get(target.id);
    for (const step of path.slice(0, -1)) {
      if (holder === undefined || holder === null) return;
      if (step.type === "property") holder = getProperty(holder, step.id);
      else if (step.type === "method") holder = callMethod(holder, step.id, (step.args || []).map((a) => this.expr(a) ?? null));
      else {
        const index = this.expr(step.id);
        holder = index === undefined || index === null ? undefined : getIndex(holder, index);
      }
    }
    const last = path[path.length - 1]!;
    if (holder === undefined || holder === null) return;
    let key: V | undefined;
    if (last.type === "property") key = last.id;
    else if (last.type === "index") key = this.expr(last.id);
    else return;
    if (key === undefined || key === null) return;
    if (holder instanceof Map) {
      const name = typeof key === "string" ? key : javaString(key);
      holder.set(name, value);
    } else if (Array.isArray(holder) && isInteger(key)) {
      const at = Number(key);
      if (at < 0 || at >= holder.length) throw new TemplateRenderError("#set: list index out of range");
      holder[at] = value;
    }
    // Anything else (a string, $input, $util…) has no settable properties.
  }

  // -- expressions ----------------------------------------------------------------------------------------------

  private expr(node: Node): V | undefined {
    this.tick();
    switch (node.type) {
      case "references":
        return this.reference(node as RefNode);
      case "string": {
        const parsed = this.prepared.strings.get(node);
        if (!parsed) return String(node.value);
        const out: string[] = [];
        this.renderList(parsed, out);
        return this.guard(out.join(""));
      }
      case "integer": {
        const n = Number(node.value);
        return Number.isSafeInteger(n) ? n : BigInt(String(node.value));
      }
      case "decimal":
        return new JDouble(Number(node.value));
      case "bool":
        return node.value === "true" ? true : node.value === "false" ? false : null;
      case "array":
        if (node.isRange) return this.range(node.value as Array<string | number | Node>);
        return (node.value as Node[]).map((item) => this.expr(item) ?? null);
      case "map": {
        const map = new Map<string, V>();
        const entries = (node.value ?? {}) as Record<string, Node>;
        for (const key of Object.keys(entries)) map.set(key, this.expr(entries[key]!) ?? null);
        return map;
      }
      case "math":
        return this.math(node);
      default:
        return undefined;
    }
  }

  private range(bounds: Array<string | number | Node>): V {
    const [from, to] = bounds.map((b) => (typeof b === "object" ? this.expr(b) : Number(b)));
    if (from === undefined || to === undefined || from === null || to === null || !isInteger(from) || !isInteger(to)) return null;
    const a = Number(from);
    const b = Number(to);
    if (Math.abs(b - a) + 1 > LIMITS.rangeItems) throw new TemplateRenderError(`range [${a}..${b}] is too large`, "limit");
    const list: V[] = [];
    if (a <= b) for (let i = a; i <= b; i++) list.push(i);
    else for (let i = a; i >= b; i--) list.push(i);
    return list;
  }

  private math(node: Node): V | undefined {
    const [left, right] = node.expression as Node[];
    const op = String(node.operator);
    switch (op) {
      case "parenthesis":
        return this.expr(left!);
      case "not":
        return !truthy(this.expr(left!));
      case "minus": {
        const v = this.expr(left!);
        if (v === undefined || v === null || !isNumber(v)) return null;
        return v instanceof JDouble ? new JDouble(-v.value) : typeof v === "bigint" ? -v : -v;
      }
      case "&&":
        return truthy(this.expr(left!)) && truthy(this.expr(right!));
      case "||":
        return truthy(this.expr(left!)) || truthy(this.expr(right!));
    }
    const a = this.expr(left!) ?? null;
    const b = this.expr(right!) ?? null;
    switch (op) {
      case "==":
        return velocityEquals(a, b);
      case "!=":
        return !velocityEquals(a, b);
      case "<":
      case ">":
      case "<=":
      case ">=": {
        // Velocity 1.7 compares numbers only; anything else is false (and logged).
        if (a === null || b === null || !isNumber(a) || !isNumber(b)) return false;
        const x = numberOf(a);
        const y = numberOf(b);
        return op === "<" ? x < y : op === ">" ? x > y : op === "<=" ? x <= y : x >= y;
      }
      case "+":
        if (a === null || b === null) return null;
        if (typeof a === "string" || typeof b === "string") return this.guard(javaString(a) + javaString(b));
        return arithmetic(op, a, b);
      default:
        if (a === null || b === null) return null;
        return arithmetic(op, a, b);
    }
  }

  overrides(): NonNullable<TemplateScope["overrides"]> {
    const record = (map: Map<string, V>) => {
      const out = Object.create(null) as Record<string, string>;
      for (const [k, v] of map) out[k] = overrideText(v);
      return out;
    };
    const status = this.response.get("status");
    const code = status === undefined || status === null ? undefined : Number(renderValue(status).trim());
    return {
      request: { header: record(this.request.header), path: record(this.request.path), querystring: record(this.request.querystring) },
      response: { ...(code !== undefined && Number.isInteger(code) ? { status: code } : {}), header: record(this.responseHeader) },
    };
  }
}

function restore(vars: Map<string, V>, name: string, value: V | undefined): void {
  if (value === undefined) vars.delete(name);
  else vars.set(name, value);
}

const evaluated = new Map<string, Ast[]>();
function parseEvaluated(text: string): Ast[] {
  let ast = evaluated.get(text);
  if (!ast) {
    ast = parseVtl(text, (reason) => new TemplateRenderError(`#evaluate: ${reason}`));
    if (evaluated.size > 200) evaluated.clear();
    evaluated.set(text, ast);
  }
  return ast;
}

/** Velocity 1.7 `==`: numbers by value, same kinds by equals(), different kinds by their text; null equals only null. */
function velocityEquals(a: V, b: V): boolean {
  if (a === null || b === null) return a === b;
  if (isNumber(a) && isNumber(b)) return numberOf(a) === numberOf(b);
  const kind = (v: V) => (typeof v === "string" ? "s" : typeof v === "boolean" ? "b" : Array.isArray(v) ? "l" : v instanceof Map ? "m" : "o");
  if (kind(a) === kind(b)) return javaEquals(a, b);
  return javaString(a) === javaString(b);
}

/** Velocity 1.7 MathUtils: integers stay integers (division truncates); any double makes a double; /0 and %0 give null. */
function arithmetic(op: string, a: V, b: V): V {
  if (!isNumber(a) || !isNumber(b)) return null;
  const x = numberOf(a);
  const y = numberOf(b);
  const integral = isInteger(a) && isInteger(b);
  if ((op === "/" || op === "%") && y === 0) return null;
  let r: number;
  switch (op) {
    case "+": r = x + y; break;
    case "-": r = x - y; break;
    case "*": r = x * y; break;
    case "/": r = integral ? Math.trunc(x / y) : x / y; break;
    case "%": r = x % y; break;
    default: return null;
  }
  if (!integral) return new JDouble(r);
  return Object.is(r, -0) ? 0 : r;
}

/** The API Gateway VTL engine: `vtlEngine.compile(text)` at load, the result per request. */
export const vtlEngine: TemplateEngine = {
  compile(text: string): CompiledTemplate {
    if (Buffer.byteLength(text, "utf8") > LIMITS.templateBytes)
      throw new TemplateCompileError(`mapping template is larger than ${LIMITS.templateBytes / 1024} KB (api-gateway-known-issues.md)`);
    const prepared = prepare(text);
    // Text without directives or references renders to itself whatever the scope (MOCK status templates, fixed bodies).
    if (prepared.body.every((ast) => typeof ast === "string")) {
      const constant = prepared.body.join("");
      return Object.assign(() => constant, { constant });
    }
    return (scope) => {
      const renderer = new Renderer(prepared, scope);
      const output = renderer.run();
      if (scope.overrides) {
        const found = renderer.overrides();
        Object.assign(scope.overrides.request.header, found.request.header);
        Object.assign(scope.overrides.request.path, found.request.path);
        Object.assign(scope.overrides.request.querystring, found.request.querystring);
        Object.assign(scope.overrides.response.header, found.response.header);
        if (found.response.status !== undefined) scope.overrides.response.status = found.response.status;
      }
      return output;
    };
  },
};


