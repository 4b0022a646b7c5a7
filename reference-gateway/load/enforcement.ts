/**
 * Security settings the runtime enforces. The loader reads every security setting into the model but refuses to
 * start when one of these is not enforced yet (a route is never served open). Each authorization step adds its
 * feature here in the same change that wires it into the REST lifecycle.
 */
export type SecurityFeature = "api-key" | "lambda-authorizer" | "cognito-authorizer" | "iam" | "resource-policy";

export const ENFORCED_SECURITY: ReadonlySet<SecurityFeature> = new Set<SecurityFeature>(["iam", "cognito-authorizer", "api-key", "lambda-authorizer", "resource-policy"]);
