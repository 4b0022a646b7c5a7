/**
 * The `gateproof` command's precompiled bundle (src/launch/precompiled.mjs): built once per source state, rebuilt on
 * any source change, even one that keeps the file's size, or npm install; npm packages inside it; and each module keeps
 * its own source file's import.meta.url; with --enable-source-maps, stack traces name the TypeScript sources.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { precompiled } from "../../../src/launch/precompiled.mjs";
import { features } from "../../harness/conformance.ts";

function write(root: string, file: string, text: string, mtime: Date): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  utimesSync(join(root, file), mtime, mtime);
}

const LIB = (answer: number) => `export const answer: number = ${answer};\nexport const where: string = import.meta.url;\n`;
const CLI = `export async function main(): Promise<unknown> {\n  const lib = await import("./lib/answer.ts");\n  return { answer: lib.answer, where: lib.where };\n}\n`;

describe("gateproof command: precompiled bundle", features(["tooling.cli"], { referenceOnly: true, timeout: 60_000 }), () => {
  it("rebuilds when a source changes (same size, new mtime) and reuses the bundle while nothing changed", async () => {
    const root = mkdtempSync(join(tmpdir(), "gateproof-precompiled-"));
    const cacheDir = join(root, "cache");
    const options = { root, entry: "src/cli.ts", sources: ["src"], cacheDir };
    write(root, "src/cli.ts", CLI, new Date(1_700_000_000_000));
    write(root, "src/lib/answer.ts", LIB(1), new Date(1_700_000_000_000));
    const run = async (bundle: string) => ((await import(pathToFileURL(bundle).href)) as { main(): Promise<{ answer: number; where: string }> }).main();

    const first = await precompiled(options);
    const firstRun = await run(first);
    expect(firstRun.answer).toBe(1);
    // The lazily imported module is its own chunk and still sees its source file's URL, not the bundle's.
    expect(firstRun.where).toBe(pathToFileURL(join(root, "src/lib/answer.ts")).href);
    expect(await precompiled(options)).toBe(first);

    write(root, "src/lib/answer.ts", LIB(2), new Date(1_700_000_001_000)); // same length as before
    const second = await precompiled(options);
    expect(second).not.toBe(first);
    expect((await run(second)).answer).toBe(2);

    write(root, "src/lib/extra.ts", "export {};\n", new Date(1_700_000_001_000)); // an added file changes the key too
    expect(await precompiled(options)).not.toBe(second);
    expect(readdirSync(cacheDir).filter((name) => name.includes(".partial-"))).toEqual([]);
  });

  it("bundles npm packages, CommonJS ones requiring Node built-ins included, and rebuilds after an npm install", async () => {
    const root = mkdtempSync(join(tmpdir(), "gateproof-precompiled-"));
    const options = { root, entry: "src/cli.ts", sources: ["src"], cacheDir: join(root, "cache") };
    write(root, "node_modules/cjs-dep/package.json", `{ "name": "cjs-dep", "main": "index.js" }\n`, new Date());
    write(root, "node_modules/cjs-dep/index.js", `module.exports = require("node:path").basename("/a/b.txt");\n`, new Date());
    write(root, "src/cli.ts", `import dep from "cjs-dep";\nexport async function main(): Promise<string> {\n  return dep;\n}\n`, new Date());
    const bundle = await precompiled(options);

    // npm rewrites its hidden lockfile on every install: the packages in the bundle may have changed.
    write(root, "node_modules/.package-lock.json", "{}\n", new Date());
    expect(await precompiled(options)).not.toBe(bundle);
    // The first bundle runs without the package on disk: its code is inside.
    rmSync(join(root, "node_modules/cjs-dep"), { recursive: true });
    expect(await ((await import(pathToFileURL(bundle).href)) as { main(): Promise<string> }).main()).toBe("b.txt");
  });

  it("writes linked source maps: under --enable-source-maps a stack trace names the TypeScript file and line", async () => {
    const root = mkdtempSync(join(tmpdir(), "gateproof-precompiled-"));
    write(root, "src/cli.ts", `export async function main(): Promise<void> {\n  const { serve } = await import("../reference-gateway/rest/server.ts");\n  serve();\n}\n`, new Date());
    write(root, "reference-gateway/rest/server.ts", `export function serve(): void {\n  const reason: string = "unexpected failure serving";\n  throw new Error(reason);\n}\n`, new Date());
    const bundle = await precompiled({ root, entry: "src/cli.ts", sources: ["src", "reference-gateway"], cacheDir: join(root, "cache") });
    const run = (flags: string[]) =>
      spawnSync(process.execPath, [...flags, "--input-type=module", "-e", `const { main } = await import(${JSON.stringify(pathToFileURL(bundle).href)}); await main();`], { encoding: "utf8" }).stderr;

    expect(run(["--enable-source-maps"])).toMatch(/at serve \(.*reference-gateway\/rest\/server\.ts:3:\d+\)/);
    // Without the flag the trace points into the bundle: the maps cost nothing unless asked for.
    expect(run([])).not.toContain("server.ts");
  });

  it("refuses to bundle a module that uses import.meta beyond import.meta.url", async () => {
    const root = mkdtempSync(join(tmpdir(), "gateproof-precompiled-"));
    write(root, "src/cli.ts", `export const here = import.meta.dirname;\n`, new Date());
    await expect(precompiled({ root, entry: "src/cli.ts", sources: ["src"], cacheDir: join(root, "cache") })).rejects.toThrow(/import\.meta beyond import\.meta\.url/);
  });
});
