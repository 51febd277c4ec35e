// Runs every console/e2e/*.e2e.mjs scenario, in file-name order and then in
// the order each file exports them, against the platform at CONSOLE_URL, in one
// headless Chromium. Stops at the first failure with exit code 1.
//
// The Go test TestConsoleEndToEnd starts the platform and runs this; by hand:
//   CONSOLE_URL=http://127.0.0.1:PORT CHROMIUM_PATH=/usr/bin/chromium \
//   TENANT_ADMIN_EMAIL=admin@tenant.local TENANT_ADMIN_PASSWORD='Admin-Passw0rd!' node e2e/run.mjs
// (PORT from `make dev`). E2E_ONLY=<substring> runs only the matching scenarios.
import { readdir, rm, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as harness from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`\nE2E FAILED: ${message}\n`);
  process.exitCode = 1;
}

async function main() {
  const missing = ["CONSOLE_URL", "CHROMIUM_PATH", "TENANT_ADMIN_EMAIL", "TENANT_ADMIN_PASSWORD"].filter((k) => !process.env[k]);
  if (missing.length) return fail(`missing environment: ${missing.join(", ")}`);

  // Screenshots and failure logs of this run only.
  await rm(harness.artifactsDir, { recursive: true, force: true });
  await mkdir(harness.artifactsDir, { recursive: true });

  const files = (await readdir(here)).filter((f) => f.endsWith(".e2e.mjs")).sort();
  if (!files.length) return fail(`no *.e2e.mjs scenario files in ${here}`);
  const only = process.env.E2E_ONLY || "";
  const all = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(here, f)).href);
    const list = Array.isArray(mod.scenarios) ? mod.scenarios.map((fn, i) => [fn.name || `scenario ${i + 1}`, fn])
      : mod.scenarios && typeof mod.scenarios === "object" ? Object.entries(mod.scenarios) : null;
    if (!list) return fail(`${f} exports no \`scenarios\` (an array or object of async functions)`);
    for (const [name, fn] of list) {
      if (typeof fn !== "function") return fail(`${f}: scenario ${name} is not a function`);
      const full = `${f.replace(/\.e2e\.mjs$/, "")} › ${name}`;
      if (!only || full.includes(only)) all.push([full, fn]);
    }
  }

  const env = Object.freeze({
    CONSOLE_URL: harness.baseURL, CHROMIUM_PATH: process.env.CHROMIUM_PATH, ARTIFACTS_DIR: harness.artifactsDir,
    TENANT_ADMIN_EMAIL: process.env.TENANT_ADMIN_EMAIL, TENANT_ADMIN_PASSWORD: process.env.TENANT_ADMIN_PASSWORD,
  });
  const browser = await harness.launch();
  harness.log(`e2e: ${all.length} scenario(s) from ${files.join(", ")} against ${harness.baseURL} (Chromium ${browser.version()}); artifacts in ${harness.artifactsDir}`);
  const started = Date.now();
  try {
    for (const [name, fn] of all) {
      const t0 = Date.now();
      harness.log(`\n● ${name}`);
      try {
        await fn({ browser, baseURL: harness.baseURL, env, harness });
        harness.checkPageErrors();
      } catch (err) {
        const where = err && err.step ? ` (step "${err.step}")` : "";
        if (!where) await harness.saveFailure(name.replace(/ › /, "-"));
        harness.log(`✗ ${name}${where} after ${Date.now() - t0} ms`);
        return fail(`${name}${where}: ${err && err.stack ? err.stack : err}\nScreenshots and console logs: ${harness.artifactsDir}`);
      } finally {
        await harness.closeUsers();
      }
      harness.log(`✓ ${name} (${Date.now() - t0} ms)`);
    }
    harness.log(`\ne2e: ${all.length} scenario(s) passed in ${((Date.now() - started) / 1000).toFixed(1)} s; axe-core found no serious or critical violation in ${harness.a11yChecks} page states (${(harness.a11yMillis / 1000).toFixed(1)} s of checking)`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
