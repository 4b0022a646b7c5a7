/**
 * A PRIVATE REST API answers only through interface VPC endpoints, and only as its resource policy allows: AWS will
 * not deploy one without a policy ("Private REST API doesn't have a resource policy attached to it";
 * apigateway-resource-policies-create-attach: "For a private API, you can't deploy your API without a resource
 * policy"). gateproof serves every API on a local port, so such a definition would be served to anyone: it is
 * refused at load, as AWS refuses it at deployment.
 */
import type { PolicyDocument } from "../model/types.ts";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { isObject, list, str } from "./values.ts";

/** CloudFormation `EndpointConfiguration: { Types: [...] }`, resolved. */
export function cfnEndpointIsPrivate(value: unknown, file: string, path: string): boolean {
  if (value === undefined) return false;
  const typesPath = child(path, "Types");
  return list(isObject(value) ? value["Types"] : fail(file, path, "EndpointConfiguration must be an object"), file, typesPath, "Types").some(
    (t, i) => str(t, file, child(typesPath, i), "endpoint type").toUpperCase() === "PRIVATE",
  );
}

/** SAM `EndpointConfiguration`: a type name, or `{ Type, VPCEndpointIds }`, resolved. */
export function samEndpointIsPrivate(value: unknown, file: string, path: string): boolean {
  if (value === undefined) return false;
  const type = isObject(value) ? str(value["Type"], file, child(path, "Type"), "EndpointConfiguration.Type") : str(value, file, path, "EndpointConfiguration");
  return type.toUpperCase() === "PRIVATE";
}

export function refusePrivateWithoutPolicy(isPrivate: boolean, policy: PolicyDocument | undefined, file: string, path: string): void {
  if (isPrivate && policy === undefined) {
    fail(file, path, "Private REST API doesn't have a resource policy attached to it (AWS does not deploy a PRIVATE API without one; served here, it would be open to anyone)");
  }
}
