import type { ParameterScope } from "./parameters.ts";
import type { RoutedCall } from "./call.ts";

/**
 * The variables templates and parameter mappings see for a routed call (method request side). `$context`, the
 * parameter maps and the body text are built on first read: a MOCK with constant templates and no mappings never
 * needs them.
 */
export function methodRequestScope(call: RoutedCall, contextOf: () => Record<string, unknown>): ParameterScope {
  let body: string | undefined;
  let context: Record<string, unknown> | undefined;
  let params: ParameterScope["input"]["params"] | undefined;
  let multiValue: ParameterScope["multiValue"];
  return {
    get context() {
      return (context ??= contextOf());
    },
    stageVariables: call.stage.variables,
    input: {
      // Decoded on first use: proxy and MOCK requests with large bodies never need it as text.
      get body() {
        return (body ??= call.request.body.toString("utf8"));
      },
      get params() {
        return (params ??= { path: call.route.pathParameters, querystring: call.query.single, header: call.headers.single });
      },
    },
    get multiValue() {
      return (multiValue ??= { querystring: call.query.multi, header: call.headers.multi });
    },
  };
}
