/**
 * The validate step (spec §9; api-gateway-method-request-validation.md): the method's request validator checks the
 * required request parameters first, then the body against the model for its content type. Models are compiled at
 * load, once per API (JSON Schema draft 4, ajv-draft-04), never per request.
 */
import type AjvDraft04Module from "ajv-draft-04";
import type addFormatsModule from "ajv-formats";
import type { ErrorObject, ValidateFunction } from "ajv";
import { GatewayError } from "../errors/index.ts";
import { LoadError } from "../load/errors.ts";
import { BUILTIN_MODELS, MODEL_REF_BASE } from "../load/models.ts";
import type { Method, Resource, RestApi } from "../model/index.ts";
import { caseInsensitive, mediaType } from "../templates/index.ts";
import type { RoutedCall } from "./call.ts";
import { validationErrorString } from "./validation/messages.ts";

type AjvClass = typeof AjvDraft04Module.default;
type AddFormats = typeof addFormatsModule.default;
type ModelsAjv = InstanceType<AjvClass>;

/**
 * ajv-draft-04 with ajv-formats, imported when an API first needs them: ~0.3 MB of code to load at every start
 * otherwise. CommonJS packages: their module object is the default export (the `default` inside it is NodeNext
 * interop's, absent from a bundle's chunk).
 */
let loadingAjv: Promise<{ Ajv: AjvClass; addFormats: AddFormats }> | undefined;
function ajvModules(): Promise<{ Ajv: AjvClass; addFormats: AddFormats }> {
  return (loadingAjv ??= Promise.all([import("ajv-draft-04"), import("ajv-formats")]).then(([ajv, formats]) => {
    const Ajv = ajv.default as unknown as AjvClass | { default: AjvClass };
    const addFormats = formats.default as unknown as AddFormats | { default: AddFormats };
    return { Ajv: "default" in Ajv ? Ajv.default : Ajv, addFormats: "default" in addFormats ? addFormats.default : addFormats };
  }));
}

type Location = "header" | "path" | "querystring";

export interface CompiledValidation {
  /** Required parameters in the order AWS lists them when missing; empty when parameters are not validated. */
  requiredParameters: Array<{ location: Location; name: string }>;
  /** Lower-cased content type (or `$default`) → compiled model; empty when the body is not validated. */
  bodyModels: Map<string, ValidateFunction>;
}

/**
 * ajv-formats' full `email` with a domain of one label or more: fge's EmailAttribute (javax.mail InternetAddress,
 * strict) follows RFC 5322, where "that domain part may consist of a single domain name component. As such, foo@bar
 * is considered valid" (json-schema-validator format/common/EmailAttribute.java); ajv-formats wants a dot.
 */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/** An ajv instance with the API's models, draft-4 semantics, every error reported (for validationErrorString). */
async function modelsAjv(api: RestApi): Promise<ModelsAjv> {
  const { Ajv, addFormats } = await ajvModules();
  // logger off: unknown formats (int32, int64, decimal…) are ignored silently, as spec §9 lists them unsupported.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: true, logger: false });
  addFormats(ajv, ["date-time", "hostname", "ipv4", "ipv6", "regex"]);
  ajv.addFormat("email", EMAIL);
  // fge's URIAttribute takes whatever java.net.URI parses: "each and any URI is allowed. In particular, it is not
  // required that the URI be absolute" (json-schema-validator format/common/URIAttribute.java). ajv-formats' `uri`
  // wants a scheme, so `/a/b` would fail locally and pass on AWS; its `uri-reference` is RFC 3986's relative-or-absolute.
  ajv.addFormat("uri", addFormats.get("uri-reference"));
  for (const model of Object.values(api.models)) {
    // The validator is draft 4 whatever `$schema` says; a model's own `id` must not move its canonical key.
    const { $schema: _schema, ...schema } = model.schema;
    try {
      ajv.addSchema(schema, MODEL_REF_BASE + model.name);
    } catch (error) {
      throw invalidModel(api, model.name, error);
    }
  }
  return ajv;
}

/** Whether some method of the resource tree validates its body against a model. */
function validatesBodies(resource: Resource): boolean {
  return (
    Object.values(resource.methods).some((method) => method.requestValidator?.validateRequestBody && Object.keys(method.requestModels).length > 0) ||
    resource.children.some(validatesBodies)
  );
}

/**
 * The API's compiled models by name, for compileValidation. Models of the template's own are checked against draft 4
 * now, used or not; the built-in Empty and Error are valid by construction, so an API with only those and no method
 * validating a body starts no ajv (loading it and compiling its draft-4 meta-schema were most of a start's CPU).
 */
export async function createModelValidator(api: RestApi): Promise<(name: string) => ValidateFunction> {
  const ownModels = Object.values(api.models).some((model) => BUILTIN_MODELS[model.name] !== model);
  const ajv = ownModels || validatesBodies(api.root) ? await modelsAjv(api) : undefined;
  const compiled = new Map<string, ValidateFunction>();
  return (name) => {
    let fn = compiled.get(name);
    if (!fn) {
      if (!ajv) throw new Error(`model ${name} asked for by an API that validates no body`);
      try {
        fn = ajv.getSchema(MODEL_REF_BASE + name);
      } catch (error) {
        throw invalidModel(api, name, error);
      }
      if (!fn) throw new LoadError(api.location.file, `${api.location.path} (model ${name})`, `unknown model "${name}"`);
      compiled.set(name, fn);
    }
    return fn;
  };
}

function invalidModel(api: RestApi, name: string, error: unknown): LoadError {
  return new LoadError(api.location.file, `${api.location.path} (model ${name})`, `model "${name}" is not a valid JSON Schema draft 4: ${(error as Error).message}`);
}

const PARAMETER = /^method\.request\.(header|path|querystring)\.(.+)$/;

/** Compiles a method's validation; undefined when the method has no validator (or one that checks nothing). */
export function compileValidation(method: Method, model: (name: string) => ValidateFunction): CompiledValidation | undefined {
  const validator = method.requestValidator;
  if (!validator || (!validator.validateRequestBody && !validator.validateRequestParameters)) return undefined;
  const requiredParameters: CompiledValidation["requiredParameters"] = [];
  if (validator.validateRequestParameters) {
    // AWS lists missing parameters sorted by their full name, i.e. header, then path, then querystring, each by name
    // (LocalStack's AWS-validated method_request.py sorts requestParameters the same way).
    const keys = Object.keys(method.requestParameters).filter((k) => method.requestParameters[k] === true).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      const m = PARAMETER.exec(key);
      if (m) requiredParameters.push({ location: m[1] as Location, name: m[2]! });
    }
  }
  const bodyModels = new Map<string, ValidateFunction>();
  if (validator.validateRequestBody) {
    for (const [type, name] of Object.entries(method.requestModels)) bodyModels.set(type === "$default" ? type : type.toLowerCase(), model(name));
  }
  if (requiredParameters.length === 0 && bodyModels.size === 0) return undefined;
  return { requiredParameters, bodyModels };
}

/** Non-blank (api-gateway-method-request-validation.md: "included and not blank"; `?q1=` fails). */
const blank = (v: string | undefined): boolean => v === undefined || v.trim() === "";

/** The validate step: throws BAD_REQUEST_PARAMETERS or BAD_REQUEST_BODY. */
export function validateRequest(validation: CompiledValidation, call: RoutedCall): void {
  if (validation.requiredParameters.length > 0) {
    const missing: string[] = [];
    for (const { location, name } of validation.requiredParameters) {
      const value =
        location === "header" ? caseInsensitive(call.headers.single, name) : location === "querystring" ? call.query.single[name] : call.route.pathParameters[name];
      if (blank(value)) missing.push(name);
    }
    if (missing.length > 0) {
      // api-gateway-request-validation-test.md: {"message": "Missing required request parameters: [q1]"}; several
      // names are comma-separated (LocalStack's AWS-validated implementation joins them with ", ").
      throw new GatewayError("BAD_REQUEST_PARAMETERS", { message: `Missing required request parameters: [${missing.join(", ")}]`, detail: `missing ${missing.join(", ")}` });
    }
  }
  if (validation.bodyModels.size === 0) return;
  // The model for the request's content type (charset ignored; none = application/json), else the `$default` model;
  // no model → no body validation ("If no matching content type is found, request validation is not performed. To
  // use the same model regardless of the content type, set the content type for your data model to $default",
  // api-gateway-method-request-validation.md).
  const type = mediaType(caseInsensitive(call.headers.single, "content-type"));
  const fn = validation.bodyModels.get(type) ?? validation.bodyModels.get("$default");
  if (!fn) return;
  // An empty body is validated as `{}` (LocalStack's AWS-validated method_request.py: "if the body is empty,
  // replace it with an empty JSON body"); a body that is not JSON fails.
  const text = call.request.body.length === 0 ? "{}" : call.request.body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError("BAD_REQUEST_BODY", { detail: `body is not JSON: ${(error as Error).message}`, validationErrorString: "" });
  }
  if (fn(value)) return;
  const detail = validationErrorString(fn.errors as ErrorObject[]);
  throw new GatewayError("BAD_REQUEST_BODY", { detail: `Request body does not match model schema for content type ${type}: ${detail}`, validationErrorString: detail });
}

