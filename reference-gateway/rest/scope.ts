import type { ParameterScope } from "./parameters.ts";
import type { RoutedCall } from "./call.ts";

type Params = ParameterScope["input"]["params"];
type MultiValue = NonNullable<ParameterScope["multiValue"]>;

/**
 * The variables templates and parameter mappings see for a routed call (method request side). `$context`, the
 * parameter maps and the body text are built on first read: a MOCK with constant templates and no mappings never
 * needs them. Classes with prototype getters, not object literals with getters: a literal's getters are fresh
 * closures per request that V8 hangs on a per-object hidden class in old space, keeping every request's objects
 * alive through young-generation collections. A spread would lose the getters: derive scopes with `withBody`.
 */
export function methodRequestScope(call: RoutedCall, contextOf: () => Record<string, unknown>): ParameterScope {
  return new MethodRequestScope(call, contextOf);
}

class MethodRequestScope implements ParameterScope {
  #context: Record<string, unknown> | undefined;
  #multiValue: MultiValue | undefined;
  readonly stageVariables: Record<string, string>;
  readonly input: MethodRequestInput;

  constructor(
    private readonly call: RoutedCall,
    private readonly contextOf: () => Record<string, unknown>,
  ) {
    this.stageVariables = call.stage.variables;
    this.input = new MethodRequestInput(call);
  }

  get context(): Record<string, unknown> {
    return (this.#context ??= this.contextOf());
  }

  get multiValue(): MultiValue {
    return (this.#multiValue ??= { querystring: this.call.query.multi, header: this.call.headers.multi });
  }
}

class MethodRequestInput {
  #body: string | undefined;
  #params: Params | undefined;

  constructor(private readonly call: RoutedCall) {}

  /** Decoded on first use: proxy and MOCK requests with large bodies never need it as text. */
  get body(): string {
    return (this.#body ??= this.call.request.body.toString("utf8"));
  }

  get params(): Params {
    return (this.#params ??= { path: this.call.route.pathParameters, querystring: this.call.query.single, header: this.call.headers.single });
  }
}

/** A plain copy of a scope whose `$input.body` is `body` (an integration request or response's text), plus `extra`. */
export function withBody(scope: ParameterScope, body: string, extra: Partial<ParameterScope>): ParameterScope {
  return {
    context: scope.context,
    stageVariables: scope.stageVariables,
    input: { body, params: scope.input.params },
    ...(scope.multiValue === undefined ? {} : { multiValue: scope.multiValue }),
    ...(scope.integrationResponse === undefined ? {} : { integrationResponse: scope.integrationResponse }),
    ...(scope.overrides === undefined ? {} : { overrides: scope.overrides }),
    ...extra,
  };
}
