import { TemplateRenderError } from "../templates/scope.ts";
import { JsonSyntaxError, parseJson } from "./json.ts";
import { Host, javaString, type HostMethod, type V } from "./values.ts";

/**
 * `$util` (api-gateway-mapping-template-reference.md, "$util Variables"; default charset UTF-8). Only these six
 * functions exist (re:Post "aws api gateway integration response calculate hmac hash": any other name is silently
 * null); every other member renders as nothing.
 */

const hex4 = (c: number) => c.toString(16).toUpperCase().padStart(4, "0");

/**
 * `$util.escapeJavaScript`: Apache Commons Lang 2 StringEscapeUtils.escapeJavaScript, which the doc's description
 * matches ("escapes … using JavaScript string rules", `'` → `\'`): `'` `"` `\` `/` get a backslash; \b \f \n \r \t
 * their short escapes; other characters below U+0020 and everything above U+007E become `\uXXXX` (upper-case hex).
 */
export function escapeJavaScript(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (c > 0x7f) out += `\\u${hex4(c)}`;
    else if (c < 0x20) {
      if (ch === "\b") out += "\\b";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\t") out += "\\t";
      else if (ch === "\f") out += "\\f";
      else if (ch === "\r") out += "\\r";
      else out += `\\u${hex4(c)}`;
    } else if (ch === "'" || ch === '"' || ch === "\\" || ch === "/") out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * `$util.urlEncode`: java.net.URLEncoder.encode(s, "UTF-8") — application/x-www-form-urlencoded: letters, digits and
 * `.` `-` `*` `_` stay, space becomes `+`, everything else is `%XX` (upper-case) per UTF-8 byte.
 */
export function urlEncode(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2e || byte === 0x2d || byte === 0x2a || byte === 0x5f)
      out += String.fromCharCode(byte);
    else if (byte === 0x20) out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `$util.urlDecode`: java.net.URLDecoder.decode(s, "UTF-8"); a malformed `%` escape is an error, as in Java. */
export function urlDecode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const ch = s[i]!;
    if (ch === "+") {
      out += " ";
      i++;
    } else if (ch === "%") {
      const bytes: number[] = [];
      while (i < s.length && s[i] === "%") {
        const h = s.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new TemplateRenderError(`URLDecoder: Illegal hex characters in escape (%) pattern`);
        bytes.push(parseInt(h, 16));
        i += 3;
      }
      out += Buffer.from(bytes).toString("utf8");
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** `$util.base64Encode`: the UTF-8 bytes, standard alphabet, padded. */
export function base64Encode(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

/** `$util.base64Decode`: standard (or URL-safe) alphabet, padding optional; the bytes read as UTF-8. */
export function base64Decode(s: string): string {
  const compact = s.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, "").length % 4 === 1)
    throw new TemplateRenderError("base64Decode: illegal base64 input");
  return Buffer.from(compact, "base64").toString("utf8");
}

const stringArg =
  (fn: (s: string) => V): HostMethod =>
  (args) => {
    const [arg] = args;
    if (arg === null || arg === undefined) return null;
    return fn(typeof arg === "string" ? arg : javaString(arg));
  };

/** The `$util` object (stateless, shared by every render). A non-string argument is used as the text it prints as. */
export const utilHost: Host = new Host(
    "util",
    new Map(),
    new Map<string, HostMethod>([
      ["escapeJavaScript", stringArg(escapeJavaScript)],
      ["urlEncode", stringArg(urlEncode)],
      ["urlDecode", stringArg(urlDecode)],
      ["base64Encode", stringArg(base64Encode)],
      ["base64Decode", stringArg(base64Decode)],
      [
        "parseJson",
        stringArg((s) => {
          try {
            return parseJson(s);
          } catch (error) {
            if (error instanceof JsonSyntaxError) throw new TemplateRenderError(`$util.parseJson: ${error.message}`);
            throw error;
          }
        }),
      ],
    ]),
);
