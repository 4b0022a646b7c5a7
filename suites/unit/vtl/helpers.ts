import { emptyOverrides, type TemplateOverrides, type TemplateScope } from "../../../reference-gateway/templates/index.ts";
import { vtlEngine } from "../../../reference-gateway/vtl/index.ts";

export interface ScopeInput {
  body?: string;
  path?: Record<string, string>;
  querystring?: Record<string, string>;
  header?: Record<string, string>;
  context?: Record<string, unknown>;
  stageVariables?: Record<string, string>;
}

export function scopeOf(input: ScopeInput = {}): TemplateScope & { overrides: TemplateOverrides } {
  return {
    context: input.context ?? { stage: "dev", requestId: "rid-1", identity: { sourceIp: "192.0.2.1", apiKey: null } },
    stageVariables: input.stageVariables ?? { greeting: "hello", url: "example.com" },
    input: {
      body: input.body ?? "",
      params: { path: input.path ?? {}, querystring: input.querystring ?? {}, header: input.header ?? {} },
    },
    overrides: emptyOverrides(),
  };
}

export function render(template: string, input: ScopeInput = {}): string {
  return vtlEngine.compile(template)(scopeOf(input));
}

export interface Row {
  /** Where the expected output comes from. */
  source: string;
  template: string;
  input?: ScopeInput;
  expected: string;
}
