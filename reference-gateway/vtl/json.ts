import { JDouble, javaTrim, jsonLists, type V } from "./values.ts";

/**
 * A JSON parser that keeps what Java's json-smart (behind Jayway JSONPath) keeps: objects become ordered maps
 * (LinkedHashMap), arrays become JSON-printing lists (JSONArray), integers stay integers and numbers written with a
 * fraction or exponent become doubles (so `1.0` prints `1.0`, `1e10` prints `1.0E10`). Object keys are plain map
 * keys, never properties, so `__proto__` or `constructor` in a body are ordinary names.
 */
export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 512;

export function parseJson(text: string): V {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad unicode escape");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            fail("bad escape");
        }
        start = i;
      } else i++;
    }
  };
  const num = (): V => {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new JDouble(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const value = (depth: number): V => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const map = new Map<string, V>();
      ws();
      if (text[i] === "}") {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        map.set(key, value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return map;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const list: V[] = [];
      jsonLists.add(list);
      ws();
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return list;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    return num();
  };
  const result = value(0);
  ws();
  if (i < text.length) fail("unexpected trailing data");
  return result;
}

/**
 * A body as `$input.path` / `$input.json` read it: Jayway JSONPath's default JsonSmartJsonProvider parses with
 * json-smart's MODE_PERMISSIVE, whose readMain takes a document that does not open with `{`, `[` or a quote (and is
 * not exactly null/true/false/a number) as unquoted text up to the end, trimmed. So a form post `a=1&b=2` is the
 * string "a=1&b=2": `$input.path('$').split('&')` is the well-known form template (stackoverflow.com/questions/32057053)
 * and `{"body": $input.json('$')}` maps a form body to a Lambda (nateyolles/slack-pokerbot#1). A document that does
 * open a structure and is broken stays an error (the 400 "Could not parse request body into json").
 */
export function parseBody(text: string): V {
  try {
    return parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const unquoted = javaTrim(text);
    if (/^[{["':}\]]/.test(unquoted)) throw error;
    return unquoted;
  }
}
