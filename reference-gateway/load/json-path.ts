/** JSON path strings as used in `SourceLocation.path` and LoadError: `$.Resources.Api.Properties.DefinitionBody.paths['/pets'].get`. */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (IDENT.test(key)) return `${path}.${key}`;
  return `${path}['${key.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
}

export function join(path: string, ...keys: (string | number)[]): string {
  return keys.reduce<string>((p, k) => child(p, k), path);
}
