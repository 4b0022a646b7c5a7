// Precompiled JavaScript for the `gateproof` command (plain JavaScript: it runs before any TypeScript loader).
// Going through tsx's loader costs ≈0.45 s and 36 MB at start plus a hook call per module for the ~200 modules `serve`
// loads; an esbuild bundle of the same sources starts in a fraction of that. The bundle is built on demand into a
// directory named after the state of every source file, so a changed source always gets a new bundle, never a stale one.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Bundles older than this, other than the current one, are removed after a build (a process started from one has loaded what it needs by then). */
const STALE_BUNDLE_MS = 60 * 60 * 1000;

/**
 * The cache key of a source tree: a hash of the package root and the path, size and mtime of every file under
 * `sources` (files or directories, relative to `root` or absolute). Any edit, added or removed file changes it; so does moving
 * the package, since the bundle names its sources by absolute URL.
 */
export function sourceKey(root, sources) {
  const hash = createHash("sha256").update(`${root}\0`);
  for (const source of sources) {
    for (const file of filesUnder(resolve(root, source))) {
      const stat = statSync(file);
      hash.update(`${relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\0`);
    }
  }
  return hash.digest("hex").slice(0, 20);
}

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/**
 * The path of `entry` compiled to JavaScript, building it first when the sources changed since the last build.
 * `sources` must cover every file the entry can import; esbuild's package.json is added, so an esbuild upgrade
 * rebuilds. Throws when esbuild is missing or the build fails; the caller then runs the TypeScript some other way.
 */
export async function precompiled({ root, entry, sources, cacheDir }) {
  const key = sourceKey(root, [...sources, createRequire(import.meta.url).resolve("esbuild/package.json")]);
  const outdir = join(cacheDir, key);
  const main = join(outdir, basename(entry).replace(/\.[cm]?ts$/, ".js"));
  if (existsSync(main)) return main;
  const esbuild = await import("esbuild");
  mkdirSync(cacheDir, { recursive: true });
  // Built beside its final place and renamed in one step, so a concurrent start never sees half a bundle.
  const staging = `${outdir}.partial-${process.pid}`;
  await esbuild.build({
    entryPoints: [join(root, entry)],
    outdir: staging,
    bundle: true,
    // Each command's lazy import() stays a chunk of its own, so `serve` loads none of the bench or replayer.
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // npm packages stay in node_modules, resolved from the cache directory upwards, and load only when imported.
    packages: "external",
    logLevel: "silent",
    plugins: [sourceImportMetaUrl],
  });
  try {
    renameSync(staging, outdir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(main)) throw error; // a concurrent start built it first, or the rename really failed
  }
  removeStaleBundles(cacheDir, key);
  return main;
}

/**
 * Inside a bundle every module would otherwise share the bundle's import.meta.url, and paths resolved against it
 * (the Lambda worker script, bench helper scripts and fixtures, package.json, createRequire) would point into the
 * cache. Each module keeps its own source file's URL instead, so it resolves paths exactly as it does under tsx.
 */
const sourceImportMetaUrl = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async ({ path }) => {
      const contents = (await readFile(path, "utf8")).replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href));
      if (/\bimport\.meta\b/.test(contents)) throw new Error(`${path} uses import.meta beyond import.meta.url, which has no source-relative meaning in a bundle`);
      return { contents, loader: /ts$/.test(path) ? "ts" : "js" };
    });
  },
};

function removeStaleBundles(cacheDir, current) {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (name !== current && Date.now() - statSync(path).mtimeMs > STALE_BUNDLE_MS) rmSync(path, { recursive: true, force: true });
  }
}
