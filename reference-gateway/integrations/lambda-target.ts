import type { Integration, LambdaFunction } from "../model/index.ts";
import { GatewayError } from "../errors/index.ts";
import { substituteStageVariables } from "../rest/integration-request.ts";

/**
 * Finds the function a Lambda integration calls. Most are resolved at load (functionLogicalId); a function named
 * through stage variables (`function:${stageVariables.fn}`, aws-api-gateway-stage-variables-reference.md) is
 * looked up per request by name, ARN or logical id, with an alias/version qualifier ignored.
 */
export class FunctionDirectory {
  private readonly byKey = new Map<string, string>();

  constructor(functions: Record<string, LambdaFunction>) {
    for (const fn of Object.values(functions)) {
      this.byKey.set(fn.logicalId, fn.logicalId);
      this.byKey.set(fn.functionName, fn.logicalId);
      this.byKey.set(fn.arn, fn.logicalId);
    }
  }

  /** For an integration or a Lambda authorizer: both name their function the same two ways. */
  resolve(integration: Pick<Integration, "functionLogicalId" | "functionNameTemplate">, stageVariables: Record<string, string>): string {
    if (integration.functionLogicalId) return integration.functionLogicalId;
    const template = integration.functionNameTemplate;
    if (!template) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: "Lambda integration without a function" });
    const reference = substituteStageVariables(template, stageVariables);
    // `arn:aws:lambda:region:account:function:name[:qualifier]`, or a bare `name[:qualifier]`.
    const name = /(?:^|:function:)([A-Za-z0-9_-]+)(?::[A-Za-z0-9_$-]+)?$/.exec(reference)?.[1];
    const logicalId = name === undefined ? undefined : this.byKey.get(name);
    if (!logicalId) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: `no function ${JSON.stringify(reference)} in the template` });
    return logicalId;
  }
}
