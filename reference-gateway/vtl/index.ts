export { vtlEngine, LIMITS } from "./engine.ts";
export { escapeJavaScript, urlEncode, urlDecode, base64Encode, base64Decode } from "./util.ts";
export { compileJsonPath, JsonPathError } from "./jsonpath.ts";
export { parseJson, JsonSyntaxError } from "./json.ts";
export { javaDouble, javaString, toJson } from "./values.ts";
