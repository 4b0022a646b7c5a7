/** Own property lookups shared by templates and parameter mappings (never the prototype chain). */

/** The value at a dotted path of plain objects, or undefined. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A header-style lookup: names compare case-insensitively; the last matching entry wins. */
export function caseInsensitive<T>(record: Record<string, T> | undefined, name: string): T | undefined {
  if (!record) return undefined;
  if (Object.prototype.hasOwnProperty.call(record, name)) return record[name];
  const lower = name.toLowerCase();
  let found: T | undefined;
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === lower) found = value;
  return found;
}
