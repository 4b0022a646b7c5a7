import { isUtf8 } from "node:buffer";
import type { ContentHandling } from "../model/index.ts";
import { GatewayError } from "../errors/index.ts";

/**
 * Payload conversions for non-proxy integrations, as tabled in api-gateway-payload-encodings-workflow.md.
 * A payload is "binary" when its media type (request: Content-Type; response: the first Accept type) is one of
 * the API's binaryMediaTypes. Text → binary assumes base64 and a failed decode is 500 API_CONFIGURATION_ERROR;
 * binary → text is always base64. Mapping templates only ever see text.
 */
export interface Payload {
  body: Buffer;
  binary: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: Buffer): Buffer {
  const compact = text.toString("latin1").replace(/\s+/g, "");
  if (!BASE64.test(compact)) throw new GatewayError("API_CONFIGURATION_ERROR", { detail: "payload is not valid base64 for CONVERT_TO_BINARY" });
  return Buffer.from(compact, "base64");
}

const toText = (payload: Payload): Payload => (payload.binary ? { body: Buffer.from(payload.body.toString("base64"), "latin1"), binary: false } : payload);
const toBinary = (payload: Payload): Payload => (payload.binary ? payload : { body: decodeBase64(payload.body), binary: true });

/** Method request payload → integration request payload (first table). */
export function convertRequestPayload(payload: Payload, handling: ContentHandling | undefined): Payload {
  if (handling === "CONVERT_TO_TEXT") return toText(payload);
  if (handling === "CONVERT_TO_BINARY") return toBinary(payload);
  return payload;
}

/**
 * Integration response payload → method response payload (second table). Without contentHandling the client's
 * Accept decides: a binary Accept gets binary (text is base64-decoded), a text Accept gets text (binary is
 * base64-encoded); with no binaryMediaTypes at all, text stays text.
 */
export function convertResponsePayload(payload: Payload, handling: ContentHandling | undefined, acceptIsBinary: boolean): Payload {
  if (handling === "CONVERT_TO_TEXT") return utf8String(toText(payload));
  if (handling === "CONVERT_TO_BINARY") return toBinary(payload);
  return acceptIsBinary ? toBinary(payload) : utf8String(toText(payload));
}

/**
 * A text method response is a "UTF8-encoded string" (second table): bytes that are not UTF-8 — binary data an API
 * without a matching binaryMediaTypes entry treats as text — come out with U+FFFD in their place.
 */
function utf8String(payload: Payload): Payload {
  return payload.body.length === 0 || isUtf8(payload.body) ? payload : { body: Buffer.from(payload.body.toString("utf8"), "utf8"), binary: false };
}
