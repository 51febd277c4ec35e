// Checks the console's module structure: no import cycles anywhere in src/, and
// no page importing another page (pages share code through context, parts/,
// ui/ and lib/ instead). Exits 1 with the cycles or imports it finds.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

const root = path.join(path.dirname(path.dirname(new URL(import.meta.url).pathname)), "src");

async function sources(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

/** imports lists the relative modules a file imports (type-only imports included: they still tie modules together). */
export function imports(text) {
  const found = [];
  const re = /^\s*(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']/gms;
  for (let m; (m = re.exec(text)); ) found.push(m[1]);
  return found;
}

function resolve(from, spec, files) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, base + ".ts", base + ".tsx", path.join(base, "index.ts"), path.join(base, "index.tsx")]) if (files.has(c)) return c;
  return null;
}

/** cycles finds the import cycles of a graph (file → files), each once. */
export function cycles(graph) {
  const found = [];
  const seen = new Set();
  const state = new Map(); // 1 on the stack, 2 done
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) {
        const cycle = stack.slice(stack.indexOf(m));
        const key = [...cycle].sort().join("|");
        if (!seen.has(key)) (seen.add(key), found.push([...cycle, m]));
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

const files = await sources(root);
const set = new Set(files);
const graph = new Map();
const problems = [];
const rel = (f) => path.relative(root, f);
for (const f of files) {
  const deps = [];
  for (const spec of imports(await readFile(f, "utf8"))) {
    const to = resolve(f, spec, set);
    if (!to) continue;
    deps.push(to);
    const fromDir = rel(path.dirname(f));
    if (fromDir === "pages" && rel(path.dirname(to)) === "pages") problems.push(`${rel(f)} imports the page module ${rel(to)}`);
    if (fromDir !== "pages" && rel(path.dirname(to)) === "pages" && rel(f) !== "routes.tsx") problems.push(`${rel(f)} imports the page module ${rel(to)} (only routes.tsx may)`);
  }
  graph.set(f, deps);
}
for (const c of cycles(graph)) problems.push("import cycle: " + c.map(rel).join(" → "));
if (problems.length) {
  console.error("console structure:\n  " + problems.join("\n  "));
  process.exit(1);
}
console.log(`console structure: ${files.length} modules, no import cycles, no page imports another`);
