// Runs the component and unit tests: bundles each src/**/*.test.ts(x) with
// esbuild for Node, then runs them with node:test. DOM tests use happy-dom
// (src/test/dom.ts).
import * as esbuild from "esbuild";
import { readdir, rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const out = path.join(root, ".test-out");

async function find(dir) {
  const found = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...(await find(p)));
    else if (/\.test\.tsx?$/.test(e.name)) found.push(p);
  }
  return found;
}

await rm(out, { recursive: true, force: true });
const tests = await find(path.join(root, "src"));
await esbuild.build({
  entryPoints: tests,
  outdir: out,
  outbase: path.join(root, "src"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  jsx: "automatic",
  jsxImportSource: "preact",
  outExtension: { ".js": ".mjs" },
  external: ["happy-dom"],
  logLevel: "warning",
});
const files = tests.map((t) => path.join(out, path.relative(path.join(root, "src"), t)).replace(/\.tsx?$/, ".mjs"));
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...process.argv.slice(2), ...files], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
