// Builds the console into dist/: one hashed JS bundle and one hashed CSS file
// (so CloudFront can cache them for a year) and an index.html that names them
// (never cached). config.json is not built: the server that hosts the console
// writes it (make dev's gateway, or the CDK deployment) with its own endpoints.
import * as esbuild from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = path.join(root, "dist");
const watch = process.argv.includes("--watch");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(root, "src/main.tsx") },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: !watch,
  sourcemap: true,
  metafile: true,
  entryNames: "assets/[name]-[hash]",
  outdir: dist,
  loader: { ".css": "css" },
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((f) => path.relative(dist, path.join(root, f)));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
const html = (await readFile(path.join(root, "src/index.html"), "utf8"))
  .replace("%APP_JS%", "/" + js)
  .replace("%APP_CSS%", css ? `<link rel="stylesheet" href="/${css}">` : "");
await writeFile(path.join(dist, "index.html"), html);
console.log(`console: built ${outputs.filter((f) => !f.endsWith(".map")).join(", ")} and index.html into dist/`);
