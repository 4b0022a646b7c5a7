// Types of precompiled.mjs, which is plain JavaScript because it runs before any TypeScript loader.
export function sourceKey(root: string, sources: string[]): string;
export function precompiled(options: { root: string; entry: string; sources: string[]; cacheDir: string }): Promise<string>;
