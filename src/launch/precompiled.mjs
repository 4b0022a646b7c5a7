// Precompiled JavaScript for the `gateproof` command (plain JavaScript: it runs before any TypeScript loader).
// Going through tsx's loader costs ≈0.45 s and 36 MB at start plus a hook call per module for the ~200 modules `serve`
// loads; an esbuild bundle of the same sources starts in a fraction of that. The bundle is built on demand into a
// directory named after the state of every source file, so a changed source always gets a new bundle, never a stale one.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Bundles older than this, other than the current one, are removed after a build (a process started from one has loaded what it needs by then). */
const STALE_BUNDLE_MS = 60 * 60 * 1000;

/**
 * The cache key of a source tree: a hash of the package root and the path, size and mtime of every file under
 * `sources` (files or directories, relative to `root` or absolute). Any edit, added or removed file changes it; so does moving
 * the package, since the bundle names its sources by absolute URL. Computed at every start, so it walks the tree
 * itself: readdirSync's `recursive` option took several times as long for the same ~250 files.
 */
export function sourceKey(root, sources) {
  const parts = [root];
  for (const source of sources) {
    const path = resolve(root, source);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    for (const file of stat.isDirectory() ? filesUnder(path, []) : [path]) {
      const { size, mtimeMs } = file === path ? stat : statSync(file);
      parts.push(relative(root, file), size, mtimeMs);
    }
  }
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 20);
}

/** Every file under `dir`, in a stable order. */
function filesUnder(dir, files) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, files);
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * npm packages that stay files in node_modules, loaded by Node when imported: tsx and vitest load further files by
 * their own paths (a loader, test files), autocannon starts workers from its directory and ioredis reads its
 * package.json relative to __dirname. Every other package is bundled: Node's loader resolving, reading and
 * format-detecting each of the ~500 files of undici, yaml and ajv at start costs more than their code.
 */
const EXTERNAL_PACKAGES = ["tsx", "vitest", "autocannon", "ioredis"];

/** The hidden lockfile npm rewrites on every install, in each node_modules a package can be resolved from (root upwards). */
function installStates(root) {
  const lockfiles = [];
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    lockfiles.push(join(dir, "node_modules", ".package-lock.json"));
    if (dirname(dir) === dir) return lockfiles;
  }
}

/**
 * The path of `entry` compiled to JavaScript, building it first when the sources changed since the last build.
 * `sources` must cover every file the entry can import; esbuild's package.json and npm's install state are added, so
 * an esbuild upgrade or a package installed, upgraded or removed rebuilds. Throws when esbuild is missing or the build
 * fails; the caller then runs the TypeScript some other way.
 */
export async function precompiled({ root, entry, sources, cacheDir }) {
  const key = sourceKey(root, [...sources, createRequire(import.meta.url).resolve("esbuild/package.json"), ...installStates(root)]);
  const outdir = join(cacheDir, key);
  const main = join(outdir, basename(entry).replace(/\.[cm]?ts$/, ".mjs"));
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
    // .mjs: ES modules by name. As .js with no package.json of their own, Node would find none up to node_modules and
    // parse each file a second time to detect its module syntax (1 MB for `serve`).
    outExtension: { ".js": ".mjs" },
    platform: "node",
    target: "node20",
    // V8 keeps every module's source text for as long as the process runs (functions compile lazily from it). Kept
    // comments made it a third larger, and one character beyond Latin-1 in any of them (— ’ ≈) made V8 store that
    // whole chunk as two bytes per character: the undici chunk took 2.1 MB of heap instead of 0.7. Identifiers are kept.
    minifyWhitespace: true,
    // A minified chunk names no source file and puts everything on line 1, so stack traces say chunk-X.mjs:1:NNNNN.
    // Each chunk ends with a sourceMappingURL comment to its .map beside it ('linked': 'external' writes no comment,
    // and then Node's --enable-source-maps finds no map). Node reads the maps only with that flag, so nothing is paid
    // by default. The maps sit in the same keyed directory as their chunks, built and renamed with them, so a map
    // always matches its chunk. No sourcesContent: the sources ship in the package, and traces need only names.
    sourcemap: "linked",
    sourcesContent: false,
    external: EXTERNAL_PACKAGES,
    // Bundled CommonJS packages require Node's built-in modules; an ES module has no `require` of its own.
    banner: { js: `import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);` },
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
