import type { ParameterScope } from "./parameters.ts";
import type { RoutedCall } from "./call.ts";

/**
 * The variables templates and parameter mappings see for a routed call (method request side). `$context` is built on
 * first read: a MOCK with constant templates and no mappings never needs it.
 */
export function methodRequestScope(call: RoutedCall, contextOf: () => Record<string, unknown>): ParameterScope {
  let body: string | undefined;
  let context: Record<string, unknown> | undefined;
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
      params: { path: call.route.pathParameters, querystring: call.query.single, header: call.headers.single },
    },
    multiValue: { querystring: call.query.multi, header: call.headers.multi },
  };
}
