// The whole lifecycle with a mouse, as the issue describes it: a merchant
// applies, the operator approves, the merchant signs in (new password), invites
// a developer who accepts; the developer sees no member management, creates a
// mini program, drops packages (one invalid, one valid) and watches them
// validate, opens a trial QR code, launches in stages; the operator approves the
// launch; the rollout is watched, paused, resumed and raised to 100%; a host app
// key is created and its runtime events and crashes show up in analytics and
// quality. Screenshots of the main pages go to ARTIFACTS_DIR.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { acceptInvitation, assert, drop, eventually, expecting, pkg, png, signIn } from "./fixtures.mjs";

/** signedPost sends a runtime request signed with an app key (see shared/appkeys). */
async function signedPost(baseURL, appId, key, path, body) {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const query = "app=" + encodeURIComponent(appId);
  const canonical = ["POST", path, query, createHash("sha256").update(text).digest("hex"), ts, nonce].join("\n");
  const sig = createHmac("sha256", key.secret).update(canonical).digest("hex");
  const res = await fetch(`${baseURL}${path}?${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Mpdp-Key": key.id, "X-Mpdp-Timestamp": ts, "X-Mpdp-Nonce": nonce, "X-Mpdp-Signature": sig },
    body: text,
  });
  const out = await res.text();
  assert(res.status === 202, `${path}: ${res.status} ${out}`);
  const parsed = JSON.parse(out);
  assert(!parsed.rejected || parsed.rejected.length === 0, `${path} rejected items: ${out}`);
}

export const scenarios = [
  async function wholeLifecycle({ browser, baseURL, env, harness }) {
    const run = Date.now().toString(36);
    const ann = `ann-${run}@acme.test`;
    const dev = `dev-${run}@acme.test`;
    const company = `Acme Foods ${run}`;
    const annPassword = "Ann-Passw0rd-1!";
    const devPassword = "Dev-Passw0rd-1!";

    // --- a merchant applies --------------------------------------------------
    const merchant = await harness.newUser(browser, { name: "merchant" });
    const m = merchant.page;
    await harness.step("apply: empty fields are explained next to each field", async () => {
      await m.goto(baseURL + "/signin");
      await m.getByRole("link", { name: "Apply for a developer account" }).click();
      await expecting(merchant, 400, async () => {
        await m.getByRole("button", { name: "Submit application" }).click();
        await m.locator(".field.invalid .field-error").first().waitFor();
      });
      assert((await m.locator(".field.invalid").count()) >= 4, "expected an error beside each empty field");
      await harness.shot(m, "01-apply-errors");
    });
    await harness.step("apply for a developer account", async () => {
      await m.getByLabel("Company").fill(company);
      await m.getByLabel("Contact name").fill("Ann Lee");
      await m.getByLabel("Email").fill(ann);
      await m.getByLabel("Country (two letters, like SG)").fill("sg");
      await m.getByLabel("What will you build?").fill("Coffee ordering for our 40 stores, with loyalty points.");
      await m.getByRole("button", { name: "Submit application" }).click();
      await m.getByRole("heading", { name: "Application received" }).waitFor();
      await harness.shot(m, "02-applied");
    });

    // --- the operator approves ----------------------------------------------
    const operator = await harness.newUser(browser, { name: "operator" });
    const o = operator.page;
    await signIn(harness, o, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);
    const approve = async (text, shot) => {
      // The inbox opens on everything pending, oldest first.
      await o.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
      await o.locator('nav.tabs a[data-label="All pending"][aria-current="page"]').waitFor();
      const row = o.getByRole("table", { name: "Approvals" }).getByRole("link", { name: text });
      await row.first().click();
      if (shot) await harness.shot(o, shot);
      await o.getByLabel("Comment (optional)").fill("Looks good");
      await o.getByRole("button", { name: "Approve" }).click();
      await o.locator(".confirm").waitFor();
      await o.getByRole("button", { name: "Yes, approve" }).click();
      await o.locator(".page-header .badge", { hasText: "approved" }).waitFor();
    };
    await harness.step("the operator sees the application in the inbox, counted, and approves it", async () => {
      const nav = o.getByRole("navigation", { name: "Main" });
      await nav.locator("a", { hasText: "Approvals" }).locator(".count").waitFor();
      await nav.getByRole("link", { name: "Approvals" }).click();
      const row = o.getByRole("table", { name: "Approvals" }).locator("tr", { hasText: company });
      await row.waitFor();
      assert((await row.locator("td").nth(1).textContent()) === company, "the inbox row does not name the company");
      assert((await row.locator("td").nth(3).textContent()) === ann, "the inbox row does not name the requester");
      await o.locator('nav.tabs a[data-label="Create developer workspace"] .count').waitFor();
      await harness.shot(o, "03-approvals-inbox");
      await approve(company, "04-approval-detail");
    });

    // --- the merchant signs in with the emailed temporary password -----------
    await harness.step("the merchant signs in and chooses a password", async () => {
      const mail = await harness.mail.latest(ann, { subjectMatch: /workspace is ready/ });
      await signIn(harness, m, baseURL, ann, harness.mail.temporaryPassword(mail.text), annPassword);
      await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mini programs" }).waitFor();
      await m.getByRole("heading", { name: company, level: 1 }).waitFor();
      // A new workspace's home says what to do first.
      const first = m.getByRole("list", { name: "First steps" });
      await first.locator("li.next", { hasText: "Create a mini program" }).getByRole("link").waitFor();
      await m.getByText("0 of 5 steps done").waitFor();
      assert((await m.title()) === `${company} · Mini Program Platform`, `the tab's title is ${await m.title()}`);
      await harness.shot(m, "05-workspace-home");
    });

    // --- invite a developer ----------------------------------------------------
    await harness.step("the merchant invites a developer", async () => {
      await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
      await m.getByLabel("Email").fill(dev);
      await m.getByRole("button", { name: "Send invitation" }).click();
      await m.getByText(`Invitation sent to ${dev}`).waitFor();
      await m.getByRole("table", { name: "Invitations" }).getByText(dev).waitFor();
      // Inviting again while the first is pending is refused, in words, beside the form.
      await m.getByLabel("Email").fill(dev);
      await expecting(merchant, 409, async () => {
        await m.getByRole("button", { name: "Send invitation" }).click();
        await m.locator(".notice.error").waitFor();
      });
      await harness.shot(m, "06-invitations");
    });

    const developer = await harness.newUser(browser, { name: "developer" });
    const d = developer.page;
    await harness.step("the developer follows the link, signs in and accepts", () => acceptInvitation(harness, d, baseURL, dev, devPassword, company));

    await harness.step("a developer sees no member management", async () => {
      const nav = d.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Members" }).click();
      await d.getByRole("table", { name: "Members" }).getByText(ann).waitFor();
      assert((await nav.getByRole("link", { name: "Invitations" }).count()) === 0, "a developer is offered Invitations");
      assert((await d.getByRole("link", { name: "Invite a member" }).count()) === 0, "a developer is offered Invite");
      assert((await d.locator("select[aria-label^='Role of']").count()) === 0, "a developer is offered role changes");
      for (const b of ["Block", "Remove", "Unblock"]) assert((await d.getByRole("button", { name: b }).count()) === 0, `a developer is offered ${b}`);
      await harness.shot(d, "07-members-as-developer");
    });

    await harness.step("the admin sees member management and adds the developer as a tester", async () => {
      const nav = m.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Members" }).click();
      await m.locator(`select[aria-label='Role of ${dev}']`).waitFor();
      await m.getByRole("button", { name: "Block" }).first().waitFor();
      await harness.shot(m, "08-members-as-admin");
      await nav.getByRole("link", { name: "Testers" }).click();
      await m.getByLabel("User id or email").fill(dev);
      await m.getByRole("button", { name: "Add tester" }).click();
      await m.getByRole("list", { name: "Testers" }).getByText(dev).waitFor();
    });

    // --- a mini program and its packages -------------------------------------------
    let mpURL = "";
    await harness.step("the developer creates a mini program", async () => {
      await d.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mini programs" }).click();
      await d.getByText("No mini programs yet").waitFor();
      await d.getByRole("link", { name: "Create mini program" }).click();
      await d.getByLabel("Name").fill("Acme Coffee");
      await d.getByLabel("Category").selectOption("food");
      await d.getByLabel("Description").fill("Order ahead, skip the queue.");
      await d.getByRole("button", { name: "Create" }).click();
      await d.getByRole("heading", { name: "Acme Coffee", level: 1 }).waitFor();
      await d.getByText("No versions yet").waitFor();
      mpURL = d.url();
    });

    await harness.step("an invalid package is reported with its problem", async () => {
      await drop(d, "coffee-0.9.0.zip", pkg("0.9.0", ["pages/index", "pages/cart"], ["pages/index"]));
      await d.getByRole("button", { name: "Upload 0.9.0" }).click();
      await d.getByText("Uploaded 0.9.0").waitFor();
      await d.getByRole("table", { name: "Versions" }).locator(".badge", { hasText: "invalid" }).waitFor({ timeout: 30_000 });
      await d.getByRole("link", { name: "0.9.0" }).click();
      await d.getByRole("list", { name: "Problems" }).getByText("page_missing").waitFor();
      await harness.shot(d, "09-invalid-package-report");
    });

    await harness.step("a valid package is dropped, uploads with progress, and turns ready", async () => {
      await d.goto(mpURL);
      await drop(d, "coffee-1.0.0.zip", pkg("1.0.0", ["pages/index", "pages/cart"]));
      // The version is read from app.json inside the dropped zip.
      await d.waitForFunction(() => document.querySelector("input[name=version]")?.value === "1.0.0", null, { timeout: 5000 });
      await d.getByRole("button", { name: "Upload 1.0.0" }).click();
      await d.getByText("Uploaded 1.0.0").waitFor();
      const progress = await d.evaluate(() => document.querySelector("progress[aria-label='Upload progress']")?.value ?? "gone");
      assert(progress === "gone" || progress === 1, `upload progress ended at ${progress}`);
      await d.getByRole("table", { name: "Versions" }).locator("tr", { hasText: "1.0.0" }).locator(".badge", { hasText: "ready" }).waitFor({ timeout: 30_000 });
      await harness.shot(d, "10-versions");
    });

    await harness.step("a tester opens the trial QR code", async () => {
      await d.getByRole("link", { name: "1.0.0", exact: true }).click();
      await d.getByText("The package is valid").waitFor();
      await d.getByRole("button", { name: "Show trial QR code" }).click();
      await d.getByRole("img", { name: "Trial QR code for 1.0.0" }).waitFor();
      await harness.shot(d, "11-trial");
    });

    await harness.step("the developer edits the details and sets an icon", async () => {
      await d.goto(mpURL + "/details");
      await d.getByLabel("Description").fill("Order ahead, skip the queue, collect points.");
      await d.getByLabel("Icon", { exact: true }).setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: png(96, 96) });
      await d.getByRole("img", { name: "Icon preview" }).waitFor();
      await d.getByRole("button", { name: "Save details" }).click();
      await d.getByText("Saved.").waitFor();
      await d.reload();
      assert((await d.getByLabel("Description").inputValue()) === "Order ahead, skip the queue, collect points.", "the description was not kept");
      await d.waitForFunction(() => { const img = document.querySelector("img.mp-icon"); return img && img.complete && img.naturalWidth === 96; }, null, { timeout: 5000 });
      await harness.shot(d, "11b-details");
      await d.goto(mpURL + "/versions/1.0.0");
    });

    // --- launch in stages -----------------------------------------------------------
    let launchURL = "";
    await harness.step("the developer launches 1.0.0 in stages", async () => {
      await d.getByRole("link", { name: "Launch 1.0.0…" }).click();
      await d.getByLabel("Strategy").selectOption("phased");
      // Every mistake is said at once, beside its field, before anything is sent.
      await d.getByLabel("Steps (% of users)").fill("50, 40");
      await d.getByLabel("Interval between steps").fill("0");
      await d.getByRole("button", { name: "Submit for review" }).click();
      await d.getByText("Each step must be larger than the one before.").waitFor();
      await d.getByText("Enter how long to wait between steps, a number above 0.").waitFor();
      assert((await d.locator(".notice.error").count()) === 0, "a banner repeats the fields' errors");
      await harness.shot(d, "12a-new-launch-errors");
      await d.getByLabel("Steps (% of users)").fill("50, 100");
      // 20 seconds at 50%: time to pause, resume and raise by hand before the next step.
      await d.getByLabel("Interval between steps").fill("20");
      await d.getByLabel("Unit").selectOption("seconds");
      await d.getByLabel("Note for reviewers").fill("First release");
      await harness.shot(d, "12-new-launch");
      await d.getByRole("button", { name: "Submit for review" }).click();
      await d.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge", { hasText: "in review" }).waitFor();
      launchURL = d.url();
      await harness.shot(d, "13-launch-in-review");
    });

    await harness.step("the operator approves the launch", async () => {
      await approve("Acme Coffee", "13b-launch-approval");
    });

    await harness.step("the developer watches the rollout reach its first stage, pauses and resumes it", async () => {
      await d.goto(launchURL);
      const status = d.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge");
      await status.filter({ hasText: "rolling out" }).waitFor({ timeout: 30_000 });
      await d.getByTestId("percentage").filter({ hasText: "50%" }).waitFor({ timeout: 30_000 });
      await d.getByRole("button", { name: "Pause rollout" }).click();
      await status.filter({ hasText: "paused" }).waitFor();
      await harness.shot(d, "14-launch-paused");
      await d.getByRole("button", { name: "Resume rollout" }).click();
      await status.filter({ hasText: "rolling out" }).waitFor();
      assert((await d.getByLabel("Raise to (%)").count()) === 0, "a developer is offered the admin's percentage control");
    });

    await harness.step("the admin raises the rollout by hand, and the next step completes it", async () => {
      await m.goto(launchURL);
      await m.getByLabel("Raise to (%)").fill("75");
      await m.getByRole("button", { name: "Set percentage" }).click();
      await m.getByText("Raise 1.0.0 from 50% to 75% of users?").waitFor();
      await m.getByRole("button", { name: "Yes, set percentage" }).click();
      await m.getByTestId("percentage").filter({ hasText: "75%" }).waitFor();
      await m.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge", { hasText: "completed" }).waitFor({ timeout: 45_000 });
      await m.getByTestId("percentage").filter({ hasText: "100%" }).waitFor();
      await m.getByRole("list", { name: "Timeline" }).getByText("published").first().waitFor();
      await harness.shot(m, "15-launch-completed");
    });

    await harness.step("the launches tab shows what is live", async () => {
      await d.goto(mpURL + "/launches");
      await d.getByRole("table", { name: "Launches" }).locator(".badge", { hasText: "completed" }).waitFor();
      await d.getByTestId("release").filter({ hasText: "Live: 1.0.0 to 100% of users (phased)" }).waitFor();
      assert((await d.getByRole("button", { name: "Roll back" }).count()) === 0, "a rollback is offered with no earlier release");
      await harness.shot(d, "16-launches");
    });

    await harness.step("the workspace's home shows the live version and the steps done", async () => {
      await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home", exact: true }).click();
      const row = m.getByRole("table", { name: "Mini programs and their releases" }).locator("tr", { hasText: "Acme Coffee" });
      await row.getByText("1.0.0 to 100%").waitFor();
      assert((await m.getByRole("list", { name: "First steps" }).count()) === 0, "the first steps are still shown with all five done");
      await harness.shot(m, "16b-workspace-home-live");
    });

    // --- a host app reports events and crashes ---------------------------------------------
    const key = {};
    let appId = "";
    await harness.step("the operator registers a host app and creates a key (secret shown once)", async () => {
      await o.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Host apps and keys" }).click();
      await o.getByText("Register a host app").click();
      await o.getByLabel("Name").fill("Super App iOS");
      await o.getByLabel("Bundle id").fill(`com.superapp.ios${run}`);
      await o.getByRole("button", { name: "Register app" }).click();
      await o.getByRole("heading", { name: "Super App iOS", level: 1 }).waitFor();
      appId = decodeURIComponent(new URL(o.url()).pathname.split("/").pop());
      await o.getByRole("button", { name: "Create key" }).click();
      const secret = o.locator("[data-secret]");
      await secret.waitFor();
      key.secret = (await secret.textContent()).trim();
      key.id = (await o.locator(".secret strong").textContent()).match(/key (\S+)\.$/)[1];
      await o.getByRole("table", { name: "Keys" }).getByText(key.id).waitFor();
      await harness.shot(o, "17-app-key");
      await o.reload();
      assert((await o.locator("[data-secret]").count()) === 0, "the secret is shown again after a reload");
    });

    await harness.step("the host app sends events and crashes", async () => {
      const mpId = decodeURIComponent(new URL(mpURL).pathname.split("/").pop());
      const now = new Date().toISOString();
      const id = (s) => `${s}-${run}-${randomBytes(4).toString("hex")}`;
      const events = ["user-1", "user-1", "user-2", "user-3", "user-3"].map((u, i) => ({ id: id("ev"), miniProgramId: mpId, version: "1.0.0", userId: u, sessionId: `session-${u}-${run}`, type: "page_view", page: i % 2 ? "pages/cart" : "pages/index", timestamp: now }));
      await signedPost(baseURL, appId, key, "/v1/runtime/events", { items: events });
      const crash = (u, line) => ({ id: id("cr"), miniProgramId: mpId, version: "1.0.0", userId: u, message: "TypeError: cannot read properties of undefined (reading 'price')", stack: `TypeError: cannot read properties of undefined (reading 'price')\n    at total (pages/cart.js:${line}:17)\n    at onShow (pages/cart.js:3:5)`, page: "pages/cart", os: "ios", appVersion: "8.1.0", device: "iPhone 16", timestamp: now });
      await signedPost(baseURL, appId, key, "/v1/runtime/crashes", { items: [crash("user-1", 12), crash("user-2", 14)] });
    });

    await harness.step("analytics shows the page views in a chart", async () => {
      await d.goto(mpURL + "/analytics");
      await eventually(d, "[data-testid=total], .empty", async () => (await d.getByTestId("total").count()) > 0 && (await d.getByTestId("total").textContent()) === "5", "5 page views");
      await d.getByRole("img", { name: "Page views per day" }).waitFor();
      await d.getByTestId("kpi-pageViews").filter({ hasText: /^5$/ }).waitFor();
      await d.getByRole("table", { name: "Top pages" }).getByText("pages/index").waitFor();
      await d.getByTestId("kpi-change-pageViews").filter({ hasText: /up from none/ }).waitFor();
      await d.getByLabel("Metric").selectOption("uniqueVisitors");
      await d.getByTestId("total").filter({ hasText: /^3$/ }).waitFor();
      // Per-version crash figures: 2 of the 3 visitors of 1.0.0 crashed; no sessions were reported, so no rate.
      await eventually(d, "[data-testid='crash-free-1.0.0'], .empty", async () => (await d.getByTestId("crash-free-1.0.0").count()) > 0 && (await d.getByTestId("crash-free-1.0.0").textContent()).startsWith("33.33%"), "crash-free users of 1.0.0");
      assert((await d.getByTestId("crash-rate-1.0.0").textContent()) === "—", "a crash rate without sessions");
      await d.getByRole("table", { name: "Retention cohorts" }).waitFor();
      await harness.shot(d, "18-analytics");
    });

    await harness.step("quality groups the crashes, shows the detail and resolves them", async () => {
      await d.goto(mpURL + "/crashes");
      const table = d.getByRole("table", { name: "Crash groups" });
      await eventually(d, "table[aria-label='Crash groups'], .empty", async () => (await table.count()) > 0, "a crash group");
      const row = table.locator("tr", { hasText: "TypeError" });
      assert((await table.locator("tbody tr").count()) === 1, "two stacks differing in line numbers should be one group");
      assert((await row.locator("td").nth(1).textContent()) === "2", "the group should count 2 occurrences");
      await harness.shot(d, "19-crashes");
      await row.getByRole("link").click();
      await d.getByRole("img", { name: "Occurrences and affected users per day" }).waitFor();
      await d.locator("details.sample").first().waitFor();
      await d.getByRole("button", { name: "Mark resolved" }).click();
      await d.locator("h2 .badge", { hasText: "resolved" }).waitFor();
      await harness.shot(d, "20-crash-resolved");
    });

    await harness.step("an existing user accepts an invitation and switches between workspaces", async () => {
      await m.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
      await m.getByLabel("Email").fill(env.TENANT_ADMIN_EMAIL);
      await m.getByLabel("Role").selectOption("reviewer");
      await m.getByRole("button", { name: "Send invitation" }).click();
      await m.getByText(`Invitation sent to ${env.TENANT_ADMIN_EMAIL}`).waitFor();
      const mail = await harness.mail.latest(env.TENANT_ADMIN_EMAIL, { subjectMatch: /Invitation to/ });
      assert(!/temporary password/.test(mail.text), "an existing user was sent a temporary password");
      await o.goto(harness.mail.invitationLink(mail.text)); // already signed in: no sign-in step
      await o.getByRole("button", { name: "Accept invitation" }).click();
      await o.getByRole("link", { name: "Open the workspace" }).click();
      await o.getByRole("heading", { name: company, level: 1 }).waitFor();
      const switcher = o.getByLabel("Workspace");
      assert((await switcher.locator("option").count()) === 2, "the switcher should list both workspaces");
      await switcher.selectOption({ label: "Super App Operator (admin)" });
      await o.getByRole("heading", { name: "Super App Operator", level: 1 }).waitFor();
      await switcher.selectOption({ label: `${company} (reviewer)` });
      await o.getByRole("heading", { name: company, level: 1 }).waitFor();
      assert((await o.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).count()) === 0, "a reviewer is offered Invitations");
      await harness.shot(o, "25b-workspace-switcher");
    });

    // --- the rest of the main pages, for the record ----------------------------------------
    await harness.step("screenshots of the remaining main pages", async () => {
      const pages = [
        [o, "/authorizations", "21-authorizations", "table"],
        [o, "/catalog/jsapis", "22-jsapis", ".empty, table"],
        [o, "/catalog/features", "23-features", ".empty, table"],
        [o, "/feedback", "24-feedback", ".empty, table"],
        [o, "/workspaces/ws_tenant", "26-tenant-home", "ul[aria-label='Platform totals']"],
        [m, "/workspaces", "25-settings", null],
      ];
      for (const [page, path, name, wait] of pages) {
        if (path === "/workspaces") {
          await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
          await page.getByRole("heading", { name: "Branding" }).waitFor();
        } else {
          await page.goto(baseURL + path);
          await page.locator(wait).first().waitFor();
        }
        await harness.shot(page, name);
      }
    });

    // --- the same pages on a phone -------------------------------------------------------------
    const phone = await harness.newUser(browser, { name: "merchant-phone", viewport: { width: 390, height: 844 } });
    const p = phone.page;
    const fits = async (what, page = p) => {
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      assert(scroll <= width + 1, `${what} is ${scroll} px wide on a ${width} px screen: the page scrolls sideways`);
    };
    await signIn(harness, p, baseURL, ann, annPassword);
    await harness.step("on a phone, the navigation hides behind the menu button", async () => {
      await p.getByRole("heading", { name: company, level: 1 }).waitFor();
      // On a freshly loaded page the first Tab reaches the skip link, which jumps past the navigation.
      await p.reload();
      await p.getByRole("heading", { name: company, level: 1 }).waitFor();
      await p.keyboard.press("Tab");
      assert((await p.evaluate(() => document.activeElement?.textContent)) === "Skip to content", "the first Tab does not reach the skip link");
      await p.keyboard.press("Enter");
      await p.waitForFunction(() => document.activeElement?.id === "main");
      const nav = p.getByRole("navigation", { name: "Main" });
      assert(!(await nav.isVisible()), "the navigation takes the screen before the menu is opened");
      await fits("the home page");
      await harness.shot(p, "p01-home-phone");
      const menu = p.getByRole("button", { name: "Menu" });
      assert((await menu.getAttribute("aria-expanded")) === "false", "the menu button does not say it is closed");
      await menu.click();
      await nav.waitFor({ state: "visible" });
      await harness.shot(p, "p02-menu-phone");
      await nav.getByRole("link", { name: "Mini programs" }).click();
      await p.getByRole("heading", { name: "Mini programs", level: 1 }).waitFor();
      await nav.waitFor({ state: "hidden" });
      // Focus moves to the new page's heading, and the tab's title names it.
      await p.waitForFunction(() => document.activeElement?.tagName === "H1" && document.activeElement.textContent === "Mini programs");
      assert((await p.title()) === "Mini programs · Mini Program Platform", `the title is ${await p.title()}`);
      await fits("the mini programs list");
      await harness.shot(p, "p03-miniprograms-phone");
    });
    await harness.step("on a phone, the mini program's pages fit the screen; wide tables scroll in their own box", async () => {
      for (const [suffix, name, ready] of [
        ["", "p04-versions-phone", "table[aria-label='Versions']"],
        ["/versions/1.0.0", "p05-version-phone", "text=The package is valid"],
        ["/launches", "p06-launches-phone", "[data-testid=release]"],
        [launchURL.slice(mpURL.length), "p07-launch-phone", "[data-testid=percentage]"],
        ["/analytics", "p08-analytics-phone", "[data-testid=total], .empty"],
        ["/crashes", "p09-crashes-phone", "table[aria-label='Crash groups'], .empty"],
      ]) {
        await p.goto(mpURL + suffix);
        await p.locator(ready).first().waitFor();
        await fits(mpURL + suffix);
        await harness.shot(p, name);
      }
      // The launch shows its version's crash figures beside the rollout.
      await p.goto(launchURL);
      await p.getByTestId("crash-free-1.0.0").filter({ hasText: /^33\.33%/ }).waitFor();
      const wrap = p.locator(".table-wrap").first();
      if (await wrap.count()) {
        const box = await wrap.boundingBox();
        assert(box && box.x >= 0 && box.x + box.width <= 391, `a table box runs off screen: ${JSON.stringify(box)}`);
      }
    });
    const operatorPhone = await harness.newUser(browser, { name: "operator-phone", viewport: { width: 390, height: 844 } });
    const op = operatorPhone.page;
    await signIn(harness, op, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);
    await harness.step("on a phone, the reviewer's inbox and an approval fit the screen", async () => {
      await op.goto(baseURL + "/approvals?type=&status=approved");
      await op.getByRole("table", { name: "Approvals" }).waitFor();
      await fits("the approvals inbox", op);
      await harness.shot(op, "p10-approvals-phone");
      await op.getByRole("table", { name: "Approvals" }).getByRole("link", { name: company }).first().click();
      await op.locator(".page-header .badge", { hasText: "approved" }).waitFor();
      await fits("an approval", op);
      await harness.shot(op, "p11-approval-phone");
      await op.goto(baseURL + "/workspaces/ws_tenant");
      await op.getByRole("heading", { name: "Platform" }).waitFor();
      await fits("the tenant's home", op);
      await harness.shot(op, "p12-tenant-home-phone");
    });
  },
];
