// Helpers for the console's end-to-end scenarios (console/e2e/*.e2e.mjs).
//
// The Go test TestConsoleEndToEnd (localstack/browser/console_test.go) starts
// what `make dev` runs, in-process, and runs `node e2e/run.mjs` here with:
//   CONSOLE_URL            the console's origin (the API is on it, under /v1/)
//   CHROMIUM_PATH          headless Chromium (Debian's /usr/bin/chromium)
//   ARTIFACTS_DIR          where screenshots and failure logs go
//   TENANT_ADMIN_EMAIL, TENANT_ADMIN_PASSWORD   the seeded tenant admin
//
// A scenario file exports `scenarios`: an array (or an object of name → function)
// of async functions, each called with {browser, baseURL, env, harness}, where
// harness is this module. Typical use:
//
//   export const scenarios = [async function signIn({ browser, baseURL, env, harness }) {
//     const { page } = await harness.newUser(browser, { name: "admin" });
//     await harness.step("open the console", async () => {
//       await page.goto(baseURL + "/");
//       await harness.shot(page, "home");
//     });
//     const m = await harness.mail.latest("ann@acme.test", { subjectMatch: /workspace is ready/ });
//     const password = harness.mail.temporaryPassword(m.text);
//   }];
//
// Every console error and uncaught exception on a page made by newUser fails
// the step it happens in (and the scenario), unless allowed with
// newUser(browser, { allowConsole: [/regexp/] }) or user.allow(/regexp/).

import { chromium } from "playwright-core";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

export const baseURL = (process.env.CONSOLE_URL || "").replace(/\/+$/, "");
export const artifactsDir = process.env.ARTIFACTS_DIR || path.resolve("e2e/artifacts");

/** Default Playwright timeouts for pages made by newUser (ms). */
export const timeouts = { action: 15_000, navigation: 30_000 };

/** How many console messages each user keeps for failure reports. */
const keepMessages = 50;

/** Users (browser contexts) created by newUser and not yet closed. */
const users = new Set();
let lastUser = null;

/** Starts headless Chromium. */
export async function launch() {
  if (!process.env.CHROMIUM_PATH) throw new Error("CHROMIUM_PATH is not set (Debian's chromium: /usr/bin/chromium)");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH,
    headless: true,
    args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

/**
 * A new person in their own browser context (own cookies and storage).
 * Returns {context, page, name, messages, errors, allow(re)}.
 * @param {import("playwright-core").Browser} browser
 * @param {{name?: string, allowConsole?: RegExp[], viewport?: {width: number, height: number}}} [opts]
 */
export async function newUser(browser, opts = {}) {
  const name = opts.name || `user${users.size + 1}`;
  const context = await browser.newContext({ baseURL: baseURL || undefined, viewport: opts.viewport || { width: 1280, height: 800 } });
  context.setDefaultTimeout(timeouts.action);
  context.setDefaultNavigationTimeout(timeouts.navigation);
  const page = await context.newPage();
  const user = {
    name, context, page,
    /** recent console messages, "[type] text (url:line)" */
    messages: [],
    /** console errors and page errors not yet reported */
    errors: [],
    allowed: [...(opts.allowConsole || [])],
    allow(re) { this.allowed.push(re); },
  };
  const note = (line) => {
    user.messages.push(line);
    if (user.messages.length > keepMessages) user.messages.shift();
  };
  const watch = (p) => {
    p.on("console", (msg) => {
      const loc = msg.location();
      const line = `[${msg.type()}] ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ""}`;
      note(line);
      if (msg.type() === "error" && !user.allowed.some((re) => re.test(msg.text()))) user.errors.push(`console error: ${line}`);
    });
    p.on("pageerror", (err) => {
      const line = `uncaught ${err.name}: ${err.message}${err.stack ? "\n" + err.stack : ""}`;
      note(`[pageerror] ${line}`);
      user.errors.push(line);
    });
    p.on("crash", () => user.errors.push("the page crashed"));
    p.on("framenavigated", (f) => { if (f === p.mainFrame()) lastUser = user; });
  };
  watch(page);
  context.on("page", watch); // popups and new tabs
  context.on("close", () => users.delete(user));
  users.add(user);
  lastUser = user;
  return user;
}

/** Throws if a page made by newUser logged a console error or threw since the last check. */
export function checkPageErrors() {
  const found = [];
  for (const u of users) {
    for (const e of u.errors.splice(0)) found.push(`${u.name}: ${e}`);
  }
  if (found.length) throw new Error(`errors on the page:\n  ${found.join("\n  ")}`);
}

/** Closes every user's browser context (run.mjs calls it after each scenario). */
export async function closeUsers() {
  for (const u of [...users]) await u.context.close().catch(() => {});
  users.clear();
  lastUser = null;
}

/** The impacts that fail a step: axe-core's serious and critical violations. */
export const failingImpacts = ["serious", "critical"];

let axeSource = null;
/** States (path, element count, heading, focused element) already checked, so one state is checked once. */
const checked = new Set();

/**
 * checkA11y runs axe-core (pinned in package.json) on the page as it is now and
 * throws on any serious or critical violation, naming the rule, the elements
 * and how to fix them. A state already checked is not checked again.
 */
export async function checkA11y(page, where = "") {
  if (page.isClosed() || !page.url().startsWith(baseURL)) return; // about:blank, or a download

  const state = await page.evaluate(() => `${location.pathname}${location.search}|${document.querySelectorAll("*").length}|${document.querySelector("h1")?.textContent ?? ""}|${document.activeElement?.tagName}`).catch(() => null);
  if (state === null || checked.has(state)) return;
  if (!axeSource) axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol, which the console's CSP does not restrict (an injected <script> or eval would be).
  const loaded = await page.evaluate(() => typeof window.axe !== "undefined").catch(() => null);
  if (loaded === false) await page.evaluate(axeSource).catch(() => null);
  const t0 = Date.now();
  const found = await page.evaluate(async ({ impacts }) => {
    if (typeof window.axe === "undefined") return null; // it navigated between the two calls
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
    }));
  }, { impacts: failingImpacts }).catch((err) => {
    // The page navigated meanwhile: the next step checks where it went.
    if (/Execution context was destroyed|Target (page, context or browser )?closed|navigation/i.test(String(err && err.message))) return null;
    throw err;
  });
  if (found === null) return;
  checked.add(state);
  a11yChecks++;
  a11yMillis += Date.now() - t0;
  if (found.length) {
    const text = found.map((v) => `${v.impact} ${v.id} (${v.help}):\n      ${v.nodes.join("\n      ")}`).join("\n    ");
    throw new Error(`accessibility violations on ${page.url()}${where ? ` (${where})` : ""}:\n    ${text}`);
  }
}

/** How many page states axe-core checked in this run. */
export let a11yChecks = 0;
/** How long those checks took, in milliseconds. */
export let a11yMillis = 0;

/** checkA11yAll checks every open page of every user (step calls it after each step). */
export async function checkA11yAll(where) {
  for (const u of [...users]) if (!u.page.isClosed()) await checkA11y(u.page, `${u.name}, ${where}`);
}

/** Saves a full-page PNG screenshot of page as ARTIFACTS_DIR/<name>.png; returns its path. */
export async function shot(page, name) {
  await checkA11y(page, `screenshot ${name}`);
  return rawShot(page, name);
}

async function rawShot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, slug(name) + ".png");
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs one named step: logs it with its duration; the step fails if fn throws
 * or a page logged an error meanwhile. On failure it saves failure-<step>.png
 * (failure-<step>-<user>.png with several users) and the users' last console
 * messages (also printed), then rethrows.
 */
export async function step(name, fn) {
  const started = Date.now();
  log(`  ▶ ${name}`);
  try {
    const result = await fn();
    checkPageErrors();
    await checkA11yAll(name);
    log(`  ✓ ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (err) {
    log(`  ✗ ${name} (${Date.now() - started} ms): ${err && err.message ? err.message : err}`);
    await saveFailure(name);
    if (err instanceof Error) err.step ??= name;
    throw err;
  }
}

/** Saves failure-<name>.png and the console logs of every open page (step does this itself). */
export async function saveFailure(name) {
  const live = [...users].filter((u) => !u.page.isClosed());
  const ordered = lastUser && live.includes(lastUser) ? [lastUser, ...live.filter((u) => u !== lastUser)] : live;
  for (const u of ordered) {
    const base = ordered.length === 1 ? `failure-${slug(name)}` : `failure-${slug(u.name)}-${slug(name)}` /* the user first: long step names are cut */;
    try {
      const file = await rawShot(u.page, base);
      log(`    screenshot: ${file} (${u.name}, ${u.page.url()})`);
    } catch (e) {
      log(`    no screenshot for ${u.name}: ${e.message}`);
    }
    const text = u.messages.length ? u.messages.join("\n") : "(no console messages)";
    await writeFile(path.join(artifactsDir, base + ".console.txt"), text + "\n").catch(() => {});
    log(`    last console messages of ${u.name}:\n${indent(text, "      ")}`);
  }
}

/** The emails the dev platform sent (GET /_local/mail), for reading passwords and links. */
export const mail = {
  /** Every email, oldest first: [{to, subject, text, sentAt}]. */
  async all() {
    const res = await fetch(baseURL + "/_local/mail");
    if (!res.ok) throw new Error(`GET /_local/mail: ${res.status}`);
    return (await res.json()).items;
  },

  /**
   * Waits for the newest email to `to` (case-insensitive) whose subject matches
   * subjectMatch (a RegExp or a substring), sent after `after` (a Date or ISO
   * time) if given, and returns it.
   * @param {string} to
   * @param {{subjectMatch?: RegExp|string, after?: Date|string, timeoutMs?: number}} [opts]
   */
  async latest(to, { subjectMatch, after, timeoutMs = 15_000 } = {}) {
    const since = after ? new Date(after).getTime() : -Infinity;
    const subjectOK = (s) => subjectMatch === undefined ? true
      : subjectMatch instanceof RegExp ? subjectMatch.test(s) : s.includes(subjectMatch);
    const deadline = Date.now() + timeoutMs;
    let items = [];
    for (;;) {
      items = await this.all();
      for (let i = items.length - 1; i >= 0; i--) {
        const m = items[i];
        if (m.to.toLowerCase() === to.toLowerCase() && subjectOK(m.subject) && new Date(m.sentAt).getTime() > since) return m;
      }
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    const seen = items.slice(-10).map((m) => `${m.sentAt} ${m.to}: ${m.subject}`).join("\n  ") || "(none)";
    throw new Error(`no email to ${to}${subjectMatch ? ` with subject ${subjectMatch}` : ""} within ${timeoutMs} ms; the last ones:\n  ${seen}`);
  },

  /** The temporary password in a welcome or invitation email (shared/mail/templates.go). */
  temporaryPassword(text) {
    const m = /temporary password[^\n]*:\n\n[ \t]+(\S+)/.exec(text);
    if (!m) throw new Error(`no temporary password in:\n${text}`);
    return m[1];
  },

  /** The accept link in an invitation email: <console>/invitations/<id>?token=... */
  invitationLink(text) {
    const m = /Accept within \d+ days?: (\S+)/.exec(text);
    if (!m) throw new Error(`no invitation link in:\n${text}`);
    return m[1];
  },

  /** The invitation link's parts: {url, id, token}. */
  invitation(text) {
    const url = this.invitationLink(text);
    const u = new URL(url);
    const id = u.pathname.split("/").filter(Boolean).pop();
    return { url, id, token: u.searchParams.get("token") };
  },
};

/** Waits ms milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes a line to stdout (the Go test streams it into its log). */
export function log(line) {
  process.stdout.write(line + "\n");
}

function slug(s) {
  return String(s).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "unnamed";
}

function indent(text, pad) {
  return text.split("\n").map((l) => pad + l).join("\n");
}
