#!/usr/bin/env node
// The installed `gateproof` command. gateproof ships TypeScript sources; this runs them as JavaScript that esbuild
// bundled into node_modules/.cache/gateproof/ (rebuilt whenever a source changes, see launch/precompiled.mjs), and
// through tsx's loader only when no bundle can be built.
import { fileURLToPath } from "node:url";
import { precompiled } from "./launch/precompiled.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
let cli;
try {
  const bundle = await precompiled({ root, entry: "src/cli.ts", sources: ["src", "reference-gateway", "tsconfig.json"], cacheDir: `${root}node_modules/.cache/gateproof` });
  cli = await import(bundle);
} catch (error) {
  process.stderr.write(`gateproof: running the TypeScript sources through tsx (no precompiled bundle: ${error instanceof Error ? error.message : String(error)})\n`);
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("./cli.ts");
}
process.exitCode = await cli.main(process.argv.slice(2));
