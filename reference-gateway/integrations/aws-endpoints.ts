import type { GatewayModel } from "../model/index.ts";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Where AWS service integrations go locally, and with which credentials they are signed. Endpoints follow the AWS
 * SDKs' own convention (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`), overridable per service;
 * credentials come from the standard environment variables.
 */
export interface AwsServiceConfig {
  endpointFor(service: string): string | undefined;
  credentials: AwsCredentials;
}

const envName = (service: string) => `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

export function resolveAwsServiceConfig(
  overrides: Record<string, string> = {},
  credentials: AwsCredentials | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AwsServiceConfig {
  return {
    endpointFor: (service) => overrides[service] ?? env[envName(service)] ?? env.AWS_ENDPOINT_URL,
    credentials: credentials ?? {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  };
}

/**
 * Services the model's AWS integrations call that have no endpoint: the gateway refuses to start rather than
 * answer every such request with a 500.
 */
export function missingAwsEndpoints(model: GatewayModel, config: AwsServiceConfig): string[] {
  const missing = new Set<string>();
  const visit = (resource: GatewayModel["restApis"][number]["root"]) => {
    for (const method of Object.values(resource.methods)) {
      const service = method.integration.awsService?.service;
      if (service && !config.endpointFor(service)) missing.add(`${service} (${method.location.file}: ${method.location.path}; set ${envName(service)} or --aws-endpoint ${service}=URL)`);
    }
    resource.children.forEach(visit);
  };
  model.restApis.forEach((api) => visit(api.root));
  return [...missing];
}
