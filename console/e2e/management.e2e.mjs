// The pages the lifecycle does not walk, with a mouse: rejecting and
// withdrawing approvals and the approvals' status filter; the catalog (JSAPIs,
// features and their history); feature activation and its authorization; taking
// a mini program offline and online again; workspace settings (logo, email,
// domains, About Us, terms); blocking a member and handling invitations;
// feedback with a screenshot and its triage; the workspace overview; host apps
// and keys; withdrawing a launch; testers, roles, removing a member and signing
// out; what a developer only reads. It sets up its own merchant, developer and
// data. Screenshots of the main pages go to ARTIFACTS_DIR (names start with "m").
import { acceptInvitation, assert, drop, eventually, expecting, pkg, png, signIn, text } from "./fixtures.mjs";

export const scenarios = [
  async function management({ browser, baseURL, env, harness }) {
    const run = Date.now().toString(36);
    const ann = `mia-${run}@acme.test`;
    const dev = `max-${run}@acme.test`;
    const bob = `bob-${run}@acme.test`;
    const rex = `rex-${run}@shady.test`;
    const company = `Mango Market ${run}`;
    const rejected = `Shady Deals ${run}`;
    const mpName = `Mango Tea ${run}`;
    const apiPay = `mg${run}Pay`;
    const apiScan = `mg${run}Scan`;
    const featureName = `Payments ${run}`;
    const rejectReason = "We could not verify the company registration.";
    const annPassword = "Mia-Passw0rd-1!";
    const devPassword = "Max-Passw0rd-1!";

    const merchant = await harness.newUser(browser, { name: "merchant" });
    const m = merchant.page;
    const operator = await harness.newUser(browser, { name: "operator" });
    const o = operator.page;
    const nav = (page) => page.getByRole("navigation", { name: "Main" });
    const approvalsTab = async (tab, status) => {
      await nav(o).getByRole("link", { name: "Approvals" }).click();
      await o.locator(`nav.tabs a[data-label="${tab}"]`).click();
      await o.getByRole("heading", { name: "Approvals", level: 1 }).waitFor();
      if (status) await o.getByLabel("Status").selectOption({ label: status });
    };
    const approve = async (tab, title, shot) => {
      await approvalsTab(tab);
      await o.getByRole("table", { name: "Approvals" }).getByRole("link", { name: title }).first().click();
      await o.getByRole("heading", { name: title, level: 1 }).waitFor();
      if (shot) await harness.shot(o, shot);
      await o.getByLabel("Comment (optional)").fill("Fine by us");
      await o.getByRole("button", { name: "Approve" }).click();
      await o.getByRole("button", { name: "Yes, approve" }).click();
      await o.locator(".page-header .badge", { hasText: "approved" }).waitFor();
    };
    const apply = async (name, email) => {
      await m.goto(baseURL + "/apply");
      await m.getByLabel("Company").fill(name);
      await m.getByLabel("Contact name").fill("Mia Tan");
      await m.getByLabel("Email").fill(email);
      await m.getByLabel("Country (two letters, like SG)").fill("SG");
      await m.getByLabel("What will you build?").fill("A fruit shop with delivery across the island.");
      await m.getByRole("button", { name: "Submit application" }).click();
      await m.getByRole("heading", { name: "Application received" }).waitFor();
    };

    // --- set up: two applications, one approved and one rejected -------------------------
    await harness.step("two merchants apply", async () => {
      await apply(company, ann);
      await apply(rejected, rex);
    });
    await signIn(harness, o, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);
    await harness.step("the operator approves the first application", async () => {
      await approve("Create developer workspace", company);
    });

    const rejectedAt = new Date();
    await harness.step("the operator rejects the second application with a reason", async () => {
      await approvalsTab("Create developer workspace");
      await o.getByRole("table", { name: "Approvals" }).getByRole("link", { name: rejected }).click();
      await o.getByRole("heading", { name: rejected, level: 1 }).waitFor();
      // A rejection needs a reason, said beside the field before anything is sent.
      await o.getByRole("button", { name: "Reject" }).click();
      await o.getByText("Say why you reject it: the requester reads your reason.").waitFor();
      await o.getByText("Choose what kind of problem it is.").waitFor();
      await o.getByLabel("Kind of problem").selectOption("policy");
      await o.getByLabel("Reason for rejecting").fill(rejectReason);
      await o.getByRole("button", { name: "Reject" }).click();
      await o.getByText("Reject? The request is closed").waitFor();
      assert(await o.getByRole("button", { name: "Yes, reject" }).evaluate((b) => b.classList.contains("danger")), "Reject is not styled as destructive");
      await harness.shot(o, "m01a-reject-confirm");
      await o.getByRole("button", { name: "Yes, reject" }).click();
      await o.locator(".page-header .badge", { hasText: "rejected" }).waitFor();
      await o.getByText(`Reason: Policy: ${rejectReason}`).waitFor();
      assert((await o.getByRole("button", { name: "Approve" }).count()) === 0, "a decided approval still offers Approve");
      assert((await o.getByText("Loading the console…").count()) === 0, "the boot message stays above the console");
      await harness.shot(o, "m01-approval-rejected");
    });
    await harness.step("the applicant receives the rejection by email", async () => {
      const mail = await harness.mail.latest(rex, { subjectMatch: /not approved/, after: rejectedAt });
      assert(mail.text.includes(`Policy: ${rejectReason}`), `the rejection email lacks the coded reason:\n${mail.text}`);
      assert(mail.text.includes(rejected), `the rejection email lacks the company:\n${mail.text}`);
    });
    await harness.step("the status filter lists the rejected application", async () => {
      await approvalsTab("Create developer workspace", "Rejected");
      await o.waitForURL(/status=rejected/);
      const table = o.getByRole("table", { name: "Approvals" });
      const row = table.locator("tr", { hasText: rejected });
      await row.locator(".badge", { hasText: "rejected" }).waitFor();
      assert((await table.locator("tr", { hasText: company }).count()) === 0, "the approved application is listed under Rejected");
      await harness.shot(o, "m02-approvals-rejected");
    });

    // --- the merchant signs in, invites a developer (and someone else) ---------------------
    await harness.step("the merchant signs in and sends two invitations", async () => {
      const mail = await harness.mail.latest(ann, { subjectMatch: /workspace is ready/ });
      await signIn(harness, m, baseURL, ann, harness.mail.temporaryPassword(mail.text), annPassword);
      await m.getByRole("heading", { name: company, level: 1 }).waitFor();
      await nav(m).getByRole("link", { name: "Invitations" }).click();
      for (const email of [dev, bob]) {
        await m.getByLabel("Email").fill(email);
        await m.getByRole("button", { name: "Send invitation" }).click();
        await m.getByText(`Invitation sent to ${email}`).waitFor();
      }
    });
    const developer = await harness.newUser(browser, { name: "developer" });
    const d = developer.page;
    await harness.step("the developer accepts the invitation", () => acceptInvitation(harness, d, baseURL, dev, devPassword, company));

    // --- a mini program whose package validates while the catalog is edited ----------------
    let mpURL = "";
    await harness.step("the developer creates a mini program, drops a package", async () => {
      await nav(d).getByRole("link", { name: "Mini programs" }).click();
      await d.getByRole("link", { name: "Create mini program" }).click();
      await d.getByLabel("Name").fill(mpName);
      await d.getByLabel("Category").selectOption("food");
      await d.getByLabel("Description").fill("Bubble tea, delivered.");
      await d.getByRole("button", { name: "Create" }).click();
      await d.getByRole("heading", { name: mpName, level: 1 }).waitFor();
      mpURL = d.url();
      await drop(d, "tea-1.0.0.zip", pkg("1.0.0", ["pages/index", "pages/menu"]));
      await d.waitForFunction(() => document.querySelector("input[name=version]")?.value === "1.0.0", null, { timeout: 5000 });
      await d.getByRole("button", { name: "Upload 1.0.0" }).click();
      await d.getByText("Uploaded 1.0.0").waitFor();
    });

    // --- the catalog ------------------------------------------------------------------------
    await harness.step("the operator adds two JSAPIs, one for iOS only", async () => {
      await nav(o).getByRole("link", { name: "JSAPIs" }).click();
      await o.getByRole("heading", { name: "JSAPIs", level: 1 }).waitFor();
      await o.getByText("Add a JSAPI").click();
      const form = o.locator("form", { has: o.getByRole("button", { name: "Add JSAPI" }) });
      await form.getByLabel("Name").fill(apiPay);
      await form.getByLabel("Description").fill("Starts a payment in the host app.");
      await form.getByLabel("Needs the user's authorization").check();
      await form.getByRole("button", { name: "Add JSAPI" }).click();
      const table = o.getByRole("table", { name: "JSAPIs" });
      await table.getByText(apiPay, { exact: true }).waitFor();
      await form.getByLabel("Name").fill(apiScan);
      await form.getByLabel("Description").fill("Scans a QR code with the camera.");
      await form.getByLabel("Android").uncheck();
      await form.getByRole("button", { name: "Add JSAPI" }).click();
      await table.getByText(apiScan, { exact: true }).waitFor();
      assert((await text(table.locator("tr", { hasText: apiScan }).locator("td").nth(2))) === "ios", "the iOS-only JSAPI does not show ios alone");
      assert((await text(table.locator("tr", { hasText: apiPay }).locator("td").nth(2))) === "ios, android", "the JSAPI for both does not show both");
    });
    await harness.step("the JSAPIs filter by OS and by name prefix", async () => {
      const filters = o.locator(".filters");
      const table = o.getByRole("table", { name: "JSAPIs" });
      await filters.getByLabel("Name starts with").fill(`mg${run}`);
      await o.waitForFunction(() => document.querySelectorAll("table[aria-label=JSAPIs] tbody tr").length === 2, null, { timeout: 10_000 });
      await filters.getByLabel("OS").selectOption("android");
      await table.locator("tr", { hasText: apiScan }).waitFor({ state: "detached" });
      await table.getByText(apiPay, { exact: true }).waitFor();
      assert((await table.locator("tbody tr").count()) === 1, "Android lists more than the JSAPI for both");
      await filters.getByLabel("OS").selectOption("ios");
      await table.getByText(apiScan, { exact: true }).waitFor();
      await filters.getByLabel("Name starts with").fill(`mg${run}S`);
      await table.locator("tr", { hasText: apiPay }).waitFor({ state: "detached" });
      assert((await table.locator("tbody tr").count()) === 1, "the prefix filter lists other JSAPIs");
      await filters.getByLabel("Name starts with").fill(`zz${run}`);
      await o.getByText("No JSAPI matches these filters.").waitFor();
      await filters.getByLabel("Name starts with").fill(`mg${run}`);
      await filters.getByLabel("OS").selectOption("");
      await table.getByText(apiScan, { exact: true }).waitFor();
      await table.getByText(apiPay, { exact: true }).waitFor();
      await harness.shot(o, "m03-jsapis");
    });

    let featureURL = "";
    await harness.step("a feature bundling a JSAPI is added, edited, with history", async () => {
      await nav(o).getByRole("link", { name: "Features" }).click();
      await o.getByRole("heading", { name: "Features", level: 1 }).waitFor();
      await o.getByText("Add a feature").click();
      await o.getByLabel("Name").fill(featureName);
      await o.getByLabel("Description").fill("Pay in the mini program.");
      await o.getByLabel("JSAPIs (comma-separated)").fill(apiPay);
      await o.getByRole("button", { name: "Add feature" }).click();
      await o.getByRole("heading", { name: featureName, level: 1 }).waitFor();
      featureURL = o.url();
      const history = o.getByRole("table", { name: "Feature history" });
      await history.locator("tbody tr").first().waitFor();
      await o.getByLabel("Description").fill("Pay and scan in the mini program.");
      await o.getByLabel("JSAPIs (comma-separated)").fill(`${apiPay}, ${apiScan}`);
      await o.getByRole("button", { name: "Save" }).click();
      await o.locator(".page-header p", { hasText: "Pay and scan in the mini program." }).waitFor();
      await o.waitForFunction(() => document.querySelectorAll("table[aria-label='Feature history'] tbody tr").length === 2, null, { timeout: 10_000 });
      const rows = history.locator("tbody tr");
      const all = [await text(rows.nth(0)), await text(rows.nth(1))];
      const update = all.find((t) => t.includes("Pay and scan in the mini program."));
      assert(update, `no history entry with the new description: ${JSON.stringify(all)}`);
      assert(update.includes(`description: Pay in the mini program. → Pay and scan in the mini program.`), `the update does not show the description's change: ${update}`);
      assert(update.includes(`jsapis: ${apiPay} → ${apiPay}, ${apiScan}`), `the update does not show the JSAPIs' change: ${update}`);
      const create = all.find((t) => t !== update);
      assert(create.includes(env.TENANT_ADMIN_EMAIL), `the history does not say who: ${create}`);
      await harness.shot(o, "m04-feature-history");
      await nav(o).getByRole("link", { name: "Features" }).click();
      const row = o.getByRole("table", { name: "Features" }).locator("tr", { hasText: featureName });
      assert((await text(row.locator("td").nth(1))) === `${apiPay}, ${apiScan}`, "the features list does not show the new JSAPIs");
      await harness.shot(o, "m05-features");
    });
    await harness.step("the operator deprecates a JSAPI", async () => {
      await nav(o).getByRole("link", { name: "JSAPIs" }).click();
      await o.locator(".filters").getByLabel("Name starts with").fill(`mg${run}`);
      const row = o.getByRole("table", { name: "JSAPIs" }).locator("tr", { hasText: apiScan });
      await row.getByRole("button", { name: "Deprecate" }).click();
      await row.locator(".badge", { hasText: "deprecated" }).waitFor();
      await row.getByRole("button", { name: "Reactivate" }).waitFor();
      await o.locator(".filters").getByLabel("Status").selectOption("deprecated");
      await o.getByRole("table", { name: "JSAPIs" }).locator("tr", { hasText: apiPay }).waitFor({ state: "detached" });
      await o.getByRole("table", { name: "JSAPIs" }).getByText(apiScan, { exact: true }).waitFor();
      await harness.shot(o, "m05b-jsapi-deprecated");
      // Reactivated, it leaves the deprecated list.
      await o.getByRole("table", { name: "JSAPIs" }).getByRole("button", { name: "Reactivate" }).click();
      await o.getByText("No JSAPI matches these filters.").waitFor();
    });

    // --- launch the mini program, so it can go offline and online ---------------------------
    let launchURL = "";
    const submitLaunch = async () => {
      await d.getByLabel("Strategy").selectOption("full");
      await d.getByLabel("Note for reviewers").fill("Everyone at once");
      await d.getByRole("button", { name: "Submit for review" }).click();
      await d.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge", { hasText: "in review" }).waitFor();
    };
    await harness.step("a launch is submitted, then withdrawn from review", async () => {
      await nav(d).getByRole("link", { name: "Mini programs" }).click();
      await d.getByLabel("Sort").selectOption("createdAt");
      await d.getByRole("table", { name: "Mini programs" }).getByRole("link", { name: mpName }).click();
      await d.getByRole("table", { name: "Versions" }).locator("tr", { hasText: "1.0.0" }).locator(".badge", { hasText: "ready" }).waitFor({ timeout: 30_000 });
      await d.getByRole("link", { name: "Launch…" }).click();
      await submitLaunch();
      await d.getByRole("button", { name: "Withdraw" }).click();
      await d.getByRole("button", { name: "Yes, withdraw" }).click();
      await d.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge", { hasText: "withdrawn" }).waitFor();
      await d.getByRole("link", { name: "withdrawn" }).waitFor();
    });
    await harness.step("1.0.0 is launched to everyone, the operator approves", async () => {
      await d.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Launches" }).click();
      await d.getByRole("table", { name: "Launches" }).locator(".badge", { hasText: "withdrawn" }).waitFor();
      await d.getByRole("link", { name: "New launch" }).click();
      await submitLaunch();
      launchURL = d.url();
      await approve("Launch", mpName);
    });

    // --- feature activation: withdrawn once, then granted and revoked -----------------------
    await harness.step("the developer requests a feature and withdraws the request", async () => {
      await d.goto(mpURL + "/features");
      await d.getByText("No features granted yet").waitFor();
      await d.getByLabel("Feature").selectOption({ label: featureName });
      await d.getByLabel("Why").fill("Checkout needs payments");
      await d.getByRole("button", { name: "Request activation" }).click();
      await d.getByRole("status").getByText("Requested.").waitFor();
      await d.getByRole("status").getByRole("link", { name: "approval" }).click();
      await d.getByRole("heading", { name: `Activate ${featureName} for ${mpName}`, level: 1 }).waitFor();
      await d.getByText("Someone else decides on your own requests.").waitFor();
      assert((await d.getByRole("button", { name: "Approve" }).count()) === 0, "a requester is offered Approve on their own request");
      await d.getByRole("button", { name: "Withdraw request" }).click();
      await d.getByRole("button", { name: "Yes, withdraw request" }).click();
      await d.locator(".page-header .badge", { hasText: "withdrawn" }).waitFor();
      assert((await d.getByRole("button", { name: "Withdraw request" }).count()) === 0, "a withdrawn request still offers Withdraw");
      await harness.shot(d, "m06-approval-withdrawn");
    });
    await harness.step("the feature is requested again, approved in the Feature tab", async () => {
      await d.goto(mpURL + "/features");
      await d.getByLabel("Feature").selectOption({ label: featureName });
      await d.getByLabel("Why").fill("Checkout needs payments, for real this time");
      await d.getByRole("button", { name: "Request activation" }).click();
      await d.getByRole("status").getByText("Requested.").waitFor();
      await approve("Feature", `Activate ${featureName} for ${mpName}`, "m07-feature-approval");
      await o.getByText("Checkout needs payments, for real this time").waitFor();
    });
    await harness.step("the developer's Features tab lists the grant as active", async () => {
      await d.reload();
      const row = d.getByRole("table", { name: "Feature grants" }).locator("tr", { hasText: featureName });
      await row.locator(".badge", { hasText: "active" }).waitFor();
      await harness.shot(d, "m08-feature-grants");
    });
    await harness.step("the operator revokes the feature authorization", async () => {
      await nav(o).getByRole("link", { name: "Authorizations" }).click();
      const table = o.getByRole("table", { name: "Authorizations" });
      const row = table.locator("tr", { hasText: `feature ${featureName}` });
      await row.locator(".badge", { hasText: "active" }).waitFor();
      assert((await text(row.locator("td").nth(0))) === company, "the feature authorization does not name the workspace");
      const types = await table.locator("tr", { hasText: company }).locator("td:nth-child(2)").allTextContents();
      assert(types.includes("workspace"), `the workspace's own authorization is not listed: ${types}`);
      await harness.shot(o, "m09-authorizations");
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByRole("button", { name: "Yes, revoke" }).click();
      await row.locator(".badge", { hasText: "revoked" }).waitFor();
      assert((await row.getByRole("button", { name: "Revoke" }).count()) === 0, "a revoked authorization still offers Revoke");
    });

    // --- offline and online ----------------------------------------------------------------
    const release = d.getByTestId("release");
    await harness.step("the launch completes; the developer requests offline", async () => {
      await d.goto(launchURL);
      await d.getByRole("heading", { name: /Launch of 1.0.0/ }).locator(".badge", { hasText: "completed" }).waitFor({ timeout: 45_000 });
      await d.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Launches" }).click();
      await d.getByLabel("Status").selectOption("completed");
      await d.getByRole("table", { name: "Launches" }).locator(".badge", { hasText: "withdrawn" }).waitFor({ state: "detached" });
      await d.getByRole("table", { name: "Launches" }).locator(".badge", { hasText: "completed" }).waitFor();
      await release.filter({ hasText: "Live: 1.0.0 to 100% of users (full)." }).waitFor();
      await d.getByRole("button", { name: "Request offline" }).click();
      await d.getByText("Say why it should go offline: the reviewer reads it.").waitFor();
      await d.getByLabel("Why take it offline").fill("Closed for the holidays");
      await d.getByRole("button", { name: "Request offline" }).click();
      await d.getByText("Once approved, no user can open this mini program").waitFor();
      await d.getByRole("button", { name: "Yes, request offline" }).click();
      await d.locator(".panel .notice.ok", { hasText: "Offline requested" }).waitFor();
    });
    await harness.step("the operator approves it in the Offline tab", async () => {
      await approve("Offline", `Take ${mpName} offline`, "m10-offline-approval");
      await o.getByText("Closed for the holidays").waitFor();
    });
    await harness.step("online is requested and approved in the Online tab", async () => {
      await d.reload();
      await release.filter({ hasText: "Users cannot open this mini program." }).locator(".badge", { hasText: "offline" }).waitFor();
      assert((await d.getByRole("button", { name: "Request offline" }).count()) === 0, "an offline mini program is offered Request offline");
      await d.getByLabel("Why bring it back online").fill("Open again");
      await d.getByRole("button", { name: "Request online" }).click();
      await d.getByRole("button", { name: "Yes, request online" }).click();
      await d.locator(".panel .notice.ok", { hasText: "Online requested" }).waitFor();
      await harness.shot(d, "m11-release-offline");
      await approve("Online", `Take ${mpName} online`);
      await o.getByText("Open again").waitFor();
      await d.reload();
      await release.filter({ hasText: "Live: 1.0.0 to 100% of users (full)." }).waitFor();
      await d.getByRole("button", { name: "Request offline" }).waitFor();
    });

    await harness.step("1.1.0 is released, then rolled back to 1.0.0", async () => {
      await d.goto(mpURL);
      await drop(d, "tea-1.1.0.zip", pkg("1.1.0", ["pages/index", "pages/menu", "pages/cart"]));
      await d.waitForFunction(() => document.querySelector("input[name=version]")?.value === "1.1.0", null, { timeout: 5000 });
      await d.getByRole("button", { name: "Upload 1.1.0" }).click();
      const row = d.getByRole("table", { name: "Versions" }).locator("tr", { hasText: "1.1.0" });
      await row.locator(".badge", { hasText: "ready" }).waitFor({ timeout: 30_000 });
      await row.getByRole("link", { name: "Launch…" }).click();
      await d.getByLabel("Strategy").selectOption("full");
      await d.getByRole("button", { name: "Submit for review" }).click();
      await d.getByRole("heading", { name: /Launch of 1.1.0/ }).locator(".badge", { hasText: "in review" }).waitFor();
      const url = d.url();
      // The reviewer sees what they decide on: the version's report and pages, the live version and the pages it adds.
      await approvalsTab("Launch");
      await o.getByRole("table", { name: "Approvals" }).getByRole("link", { name: mpName }).first().click();
      const context = o.getByRole("region", { name: "What you decide on" });
      await context.getByRole("heading", { name: "Against the live version 1.0.0" }).waitFor();
      await context.getByRole("list", { name: "Pages added" }).getByText("pages/cart").waitFor();
      await context.getByRole("list", { name: "Pages of 1.1.0" }).getByText("pages/menu").waitFor();
      await context.getByText("To every user at once").waitFor();
      await context.getByText(/^Valid: \d+ files, 3 pages/).waitFor();
      await harness.shot(o, "m11-launch-approval-context");
      await approve("Launch", mpName);
      await d.goto(url);
      await d.getByRole("heading", { name: /Launch of 1.1.0/ }).locator(".badge", { hasText: "completed" }).waitFor({ timeout: 45_000 });
      await d.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Launches" }).click();
      await release.filter({ hasText: "Live: 1.1.0 to 100% of users (full)" }).waitFor();
      await d.getByLabel("Earlier version").selectOption("1.0.0");
      await d.getByRole("button", { name: "Roll back" }).click();
      await d.getByText("Roll back to 1.0.0? Every user gets 1.0.0 at once instead of 1.1.0, without review.").waitFor();
      assert(await d.getByRole("button", { name: "Yes, roll back" }).evaluate((b) => b.classList.contains("danger")), "Roll back is not styled as destructive");
      await harness.shot(d, "m11a-rollback-confirm");
      await d.getByRole("button", { name: "Yes, roll back" }).click();
      await d.locator(".panel .notice.ok", { hasText: "Rolled back to 1.0.0" }).waitFor();
      await release.filter({ hasText: "Live: 1.0.0 to 100% of users" }).waitFor();
      assert((await d.getByLabel("Earlier version").inputValue()) === "1.1.0", "after the rollback, the earlier version offered should be 1.1.0");
      await harness.shot(d, "m11b-rolled-back");
    });

    // --- settings ----------------------------------------------------------------------------
    await harness.step("the admin uploads a logo, saves, and it is kept", async () => {
      await nav(m).getByRole("link", { name: "Settings" }).click();
      await m.getByRole("heading", { name: "Branding" }).waitFor();
      await m.getByLabel("Logo", { exact: true }).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: png(64, 64) });
      const preview = m.getByRole("img", { name: "Logo preview" });
      await preview.waitFor();
      await m.waitForFunction(() => { const img = document.querySelector("img[alt='Logo preview']"); return img && img.complete && img.naturalWidth === 64; }, null, { timeout: 5000 });
      await m.getByLabel("Favicon", { exact: true }).setInputFiles({ name: "favicon.png", mimeType: "image/png", buffer: png(32, 32) });
      await m.getByRole("img", { name: "Favicon preview" }).waitFor();
      await m.getByRole("button", { name: "Save settings" }).click();
      await m.getByRole("status").getByText("Saved.").waitFor();
      await m.reload();
      await m.getByRole("heading", { name: "Branding" }).waitFor();
      // Kept, and shown from the bucket through the download URLs the API gives.
      await m.waitForFunction(() => { const img = document.querySelector("img[alt='Logo preview']"); return img && img.complete && img.naturalWidth === 64; }, null, { timeout: 5000 });
      await m.waitForFunction(() => { const img = document.querySelector("img[alt='Favicon preview']"); return img && img.complete && img.naturalWidth === 32; }, null, { timeout: 5000 });
      const logo = m.locator(".image-field", { has: m.getByText("Logo", { exact: true }) });
      await logo.getByRole("button", { name: "Remove logo" }).waitFor();
      // Applied: the console shows the workspace's logo beside its name and uses its favicon.
      await m.waitForFunction(() => { const img = document.querySelector(".topbar img.brand-logo"); return img && img.complete && img.naturalWidth === 64; }, null, { timeout: 5000 });
      await m.waitForFunction(() => document.querySelector("link[rel='icon']")?.href.includes("favicon"), null, { timeout: 5000 });
    });
    await harness.step("the admin sets email, domains and About Us (bad URL shown)", async () => {
      await m.getByLabel("Sender name").fill("Mango Market");
      await m.getByLabel("Sender address").fill(`hello-${run}@mango.test`);
      await m.getByLabel("Console domain").fill(`console-${run}.mango.test`);
      await m.getByLabel("API domain").fill(`api-${run}.mango.test`);
      await m.getByLabel("About Us URL").fill("http://mango.test/about");
      await expecting(merchant, 400, async () => {
        await m.getByRole("button", { name: "Save settings" }).click();
        await m.locator(".field.invalid", { has: m.getByLabel("About Us URL") }).locator(".field-error", { hasText: "must use https" }).waitFor();
      });
      await harness.shot(m, "m12-settings-error");
      await m.getByLabel("About Us URL").fill("https://mango.test/about");
      await m.getByRole("button", { name: "Save settings" }).click();
      await m.getByRole("status").getByText("Saved.").waitFor();
      assert((await m.locator(".field.invalid").count()) === 0, "the field error stays after a good save");
      await m.reload();
      await m.getByRole("heading", { name: "Branding" }).waitFor();
      assert((await m.getByLabel("Sender name").inputValue()) === "Mango Market", "the sender name was not kept");
      assert((await m.getByLabel("API domain").inputValue()) === `api-${run}.mango.test`, "the API domain was not kept");
      assert((await m.getByLabel("About Us URL").inputValue()) === "https://mango.test/about", "the About Us URL was not kept");
      await m.getByRole("img", { name: "Logo preview" }).waitFor();
    });
    await harness.step("the admin publishes terms twice and sees both versions", async () => {
      await m.getByText("No terms published yet.").waitFor();
      for (const v of ["1", "2"]) {
        await m.getByLabel("Terms URL").fill(`https://mango.test/terms-v${v}`);
        await m.getByRole("button", { name: "Publish new version" }).click();
        await m.getByText(`Version ${v}: https://mango.test/terms-v${v}`).waitFor();
      }
      const rows = m.getByRole("table", { name: "Terms history" }).locator("tbody tr");
      await rows.nth(1).waitFor();
      const versions = (await rows.locator("td:first-child").allTextContents()).sort();
      assert(JSON.stringify(versions) === '["1","2"]', `terms history versions: ${versions}`);
      // The settings can still be saved after publishing (the terms moved their version on).
      await m.getByLabel("Sender name").fill("Mango Market Team");
      await m.getByRole("button", { name: "Save settings" }).click();
      await m.getByRole("status").getByText("Saved.").waitFor();
      await harness.shot(m, "m13-settings");
    });

    // --- members and invitations -------------------------------------------------------------
    await harness.step("the admin blocks the developer", async () => {
      await nav(m).getByRole("link", { name: "Members" }).click();
      const row = m.getByRole("table", { name: "Members" }).locator("tr", { hasText: dev });
      await row.getByRole("button", { name: "Block" }).click();
      await row.getByRole("button", { name: "Yes, block" }).click();
      await row.locator(".badge", { hasText: "blocked" }).waitFor();
      await row.getByRole("button", { name: "Unblock" }).waitFor();
      await harness.shot(m, "m14-member-blocked");
    });
    await harness.step("the blocked developer is told so in plain words", async () => {
      await expecting(developer, 403, async () => {
        await d.goto(mpURL);
        await d.getByText("Your membership of this workspace is blocked.").first().waitFor();
        await d.locator("main .notice.error", { hasText: "blocked" }).waitFor();
        // The page's other reads are refused too; they may answer after the notice shows.
        await d.waitForLoadState("networkidle");
      });
      await harness.shot(d, "m15-blocked-developer");
    });
    await harness.step("the admin unblocks the developer, who gets back in", async () => {
      const row = m.getByRole("table", { name: "Members" }).locator("tr", { hasText: dev });
      await row.getByRole("button", { name: "Unblock" }).click();
      await row.locator(".badge", { hasText: "active" }).waitFor();
      await d.goto(mpURL);
      await d.getByRole("heading", { name: mpName, level: 1 }).waitFor();
      assert((await d.getByText("Your membership of this workspace is blocked.").count()) === 0, "the developer is still told they are blocked");
    });
    await harness.step("the admin resends and withdraws the second invitation", async () => {
      await nav(m).getByRole("link", { name: "Invitations" }).click();
      const table = m.getByRole("table", { name: "Invitations" });
      const row = table.locator("tr", { hasText: bob });
      await row.locator(".badge", { hasText: "pending" }).waitFor();
      await table.locator("tr", { hasText: dev }).locator(".badge", { hasText: "accepted" }).waitFor();
      assert((await text(row.locator("td").nth(4))) === "1×", "a new invitation was not sent once");
      const resentAt = new Date();
      await row.getByRole("button", { name: "Resend" }).click();
      await row.locator("td").nth(4).filter({ hasText: "2×" }).waitFor();
      await harness.mail.latest(bob, { subjectMatch: /Invitation to/, after: resentAt });
      await row.getByRole("button", { name: "Withdraw" }).click();
      await row.getByRole("button", { name: "Yes, withdraw" }).click();
      await row.locator(".badge", { hasText: "withdrawn" }).waitFor();
      assert((await row.getByRole("button").count()) === 0, "a withdrawn invitation still offers actions");
      await harness.shot(m, "m16-invitations");
    });

    // --- feedback ----------------------------------------------------------------------------
    const feedbackText = `The menu page is blank on my phone (${run}).`;
    await harness.step("the developer sends feedback with a screenshot", async () => {
      await d.getByRole("link", { name: "Send feedback" }).click();
      await d.getByRole("heading", { name: "Send feedback", level: 1 }).waitFor();
      await d.getByLabel("Category").selectOption("bug");
      await d.getByLabel("What happened?").fill(feedbackText);
      await d.getByLabel("Screenshot (optional)").setInputFiles({ name: "screen.png", mimeType: "image/png", buffer: png(120, 80) });
      await harness.shot(d, "m17-send-feedback");
      await d.getByRole("button", { name: "Send" }).click();
      await d.getByText("Thank you: the platform team will read your feedback.").waitFor();
    });
    await harness.step("feedback is open, marked handled, listed under Handled", async () => {
      await nav(o).getByRole("link", { name: "Feedback" }).click();
      await o.getByRole("heading", { name: "Feedback", level: 1 }).waitFor();
      const table = o.getByRole("table", { name: "Feedback" });
      const row = table.locator("tr", { hasText: feedbackText });
      await row.locator(".badge", { hasText: "open" }).waitFor();
      assert((await text(row.locator("td").nth(1))) === dev, "the feedback does not say who sent it");
      assert((await text(row.locator("td").nth(2))) === "bug", "the feedback's category is wrong");
      // The screenshot shows, loaded from the bucket through its download URL.
      await row.locator("img[alt='Screenshot']").waitFor();
      assert(await row.locator("img[alt='Screenshot']").evaluate((img) => img.complete && img.naturalWidth === 120), "the screenshot does not load");
      await harness.shot(o, "m18-feedback-open");
      await row.getByRole("button", { name: "Mark handled" }).click();
      await row.waitFor({ state: "detached" });
      await o.getByLabel("Status").selectOption({ label: "Handled" });
      await table.locator("tr", { hasText: feedbackText }).locator(".badge", { hasText: "handled" }).waitFor();
      await harness.shot(o, "m19-feedback-handled");
      // Reopened, it leaves the handled list; handled again, it comes back.
      await table.locator("tr", { hasText: feedbackText }).getByRole("button", { name: "Reopen" }).click();
      await table.locator("tr", { hasText: feedbackText }).waitFor({ state: "detached" });
      await o.getByLabel("Status").selectOption({ label: "All" });
      const again = table.locator("tr", { hasText: feedbackText });
      await again.locator(".badge", { hasText: "open" }).waitFor();
      await again.getByRole("button", { name: "Mark handled" }).click();
      await again.locator(".badge", { hasText: "handled" }).waitFor();
    });

    // --- the workspace overview ---------------------------------------------------------------
    const description = `Fresh fruit, delivered within the hour (${run}).`;
    await harness.step("the admin edits the workspace description", async () => {
      await nav(m).getByRole("link", { name: "Home", exact: true }).click();
      await m.getByRole("heading", { name: "General info" }).waitFor();
      await m.getByLabel("Description").fill(description);
      await m.getByRole("button", { name: "Save" }).click();
      await m.getByRole("status").getByText("Saved.").waitFor();
      await m.reload();
      await m.getByRole("heading", { name: "General info" }).waitFor();
      assert((await m.getByLabel("Description").inputValue()) === description, "the description was not kept");
      await harness.shot(m, "m20-overview-admin");
    });
    await harness.step("a developer sees the description read-only", async () => {
      await nav(d).getByRole("link", { name: "Home", exact: true }).click();
      await d.locator("dl.facts dd", { hasText: description }).waitFor();
      assert((await d.getByRole("button", { name: "Save" }).count()) === 0, "a developer is offered Save on the overview");
      assert((await d.locator("main textarea, main input").count()) === 0, "a developer is offered fields on the overview");
      await harness.shot(d, "m21-overview-developer");
    });

    // --- host apps and keys -------------------------------------------------------------------
    await harness.step("the operator disables and re-enables a host app", async () => {
      await nav(o).getByRole("link", { name: "Host apps and keys" }).click();
      await o.getByText("Register a host app").click();
      await o.getByLabel("Name").fill(`Mango Pay ${run}`);
      await o.getByLabel("Platform").selectOption("android");
      await o.getByLabel("Bundle id").fill(`com.mango.pay${run}`);
      await o.getByRole("button", { name: "Register app" }).click();
      await o.getByRole("heading", { name: `Mango Pay ${run}`, level: 1 }).waitFor();
      const status = o.locator("main p", { hasText: "Status" });
      await status.locator(".badge", { hasText: "active" }).waitFor();
      await o.getByRole("button", { name: "Disable app" }).click();
      await status.locator(".badge", { hasText: "disabled" }).waitFor();
      await harness.shot(o, "m22-app-disabled");
      await o.getByRole("button", { name: "Enable app" }).click();
      await status.locator(".badge", { hasText: "active" }).waitFor();
      await o.getByRole("button", { name: "Disable app" }).waitFor();
    });
    await harness.step("the operator revokes a key", async () => {
      await o.getByRole("button", { name: "Create key" }).click();
      await o.locator("[data-secret]").waitFor();
      const keyId = (await o.locator(".secret strong").textContent()).match(/key (\S+)\.$/)[1];
      const row = o.getByRole("table", { name: "Keys" }).locator("tr", { hasText: keyId });
      await row.locator(".badge", { hasText: "active" }).waitFor();
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByRole("button", { name: "Yes, revoke" }).click();
      await row.locator(".badge", { hasText: "revoked" }).waitFor();
      await harness.shot(o, "m23-app-keys");
      await nav(o).getByRole("link", { name: "Host apps and keys" }).click();
      const app = o.getByRole("table", { name: "Host apps" }).locator("tr", { hasText: `Mango Pay ${run}` });
      await app.locator(".badge", { hasText: "active" }).waitFor();
      assert((await text(app.locator("td").nth(3))) === "0", "the revoked key still counts as active");
    });

    // --- what a developer only reads, and the member's last changes ------------------------------
    await harness.step("a developer reads settings and the catalog without editing", async () => {
      await nav(d).getByRole("link", { name: "Settings" }).click();
      await d.getByText("Only admins change settings.").waitFor();
      assert(await d.getByRole("button", { name: "Save settings" }).isDisabled(), "a developer may save the settings");
      assert((await d.getByRole("button", { name: "Publish new version" }).count()) === 0, "a developer is offered to publish terms");
      await d.getByRole("table", { name: "Terms history" }).waitFor();
      await nav(d).getByRole("link", { name: "JSAPIs" }).click();
      await d.getByLabel("Name starts with").fill(`mg${run}`);
      await d.getByRole("table", { name: "JSAPIs" }).getByText(apiPay, { exact: true }).waitFor();
      assert((await d.getByText("Add a JSAPI").count()) === 0, "a developer is offered to add JSAPIs");
      assert((await d.getByRole("button", { name: /Deprecate|Reactivate/ }).count()) === 0, "a developer is offered to deprecate JSAPIs");
      await nav(d).getByRole("link", { name: "Features" }).click();
      await d.getByRole("table", { name: "Features" }).getByRole("link", { name: featureName }).click();
      await d.getByText(`JSAPIs: ${apiPay}, ${apiScan}`).waitFor();
      assert((await d.getByRole("button", { name: "Save" }).count()) === 0, "a developer is offered to edit a feature");
      await d.getByRole("table", { name: "Feature history" }).waitFor();
    });
    await harness.step("the admin adds the developer as a tester, then removes them", async () => {
      await nav(m).getByRole("link", { name: "Testers" }).click();
      await m.getByLabel("User id or email").fill(dev);
      await m.getByLabel("Note").fill("QA for the menu");
      await m.getByRole("button", { name: "Add tester" }).click();
      const item = m.getByRole("list", { name: "Testers" }).locator("li", { hasText: dev });
      await item.getByText("QA for the menu").waitFor();
      await item.getByRole("button", { name: "Remove" }).click();
      await m.getByText("No testers yet.").waitFor();
    });
    await harness.step("the admin makes the developer a reviewer, then removes them", async () => {
      await nav(m).getByRole("link", { name: "Members" }).click();
      const role = m.getByLabel(`Role of ${dev}`);
      const patched = m.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/members/"));
      await role.selectOption("reviewer");
      assert((await patched).status() === 200, "changing the role failed");
      await m.reload();
      assert((await role.inputValue()) === "reviewer", "the new role was not kept");
      await d.reload();
      await d.getByRole("combobox", { name: "Workspace" }).locator("option", { hasText: "(reviewer)" }).waitFor({ state: "attached" });
      const row = m.getByRole("table", { name: "Members" }).locator("tr", { hasText: dev });
      await row.getByRole("button", { name: "Remove" }).click();
      await row.getByRole("button", { name: "Yes, remove" }).click();
      await row.waitFor({ state: "detached" });
      await harness.shot(m, "m24-members-after-remove");
    });
    await harness.step("the removed developer signs out", async () => {
      await d.goto(baseURL + "/");
      await d.getByRole("heading", { name: "No workspace yet" }).waitFor();
      assert((await d.getByRole("combobox", { name: "Workspace" }).count()) === 0, "a removed member still sees the workspace switcher");
      await d.getByRole("button", { name: "Sign out" }).click();
      await d.getByRole("button", { name: "Sign in" }).waitFor();
      await d.waitForURL(/\/signin$/);
    });
    await harness.step("the developer resets a forgotten password and signs in with it", async () => {
      await d.getByRole("link", { name: "Forgot your password?" }).click();
      await d.getByLabel("Email").fill(dev);
      await d.getByRole("button", { name: "Send code" }).click();
      await d.getByText("a code is on its way").waitFor();
      // The emulator takes any code that is not one it issued itself; the cloud's comes by email.
      await d.getByLabel("Code from the email").fill("123456");
      await d.getByLabel("New password").fill("Max-Passw0rd-2!");
      await d.getByRole("button", { name: "Set new password" }).click();
      await d.getByRole("heading", { name: "Password changed" }).waitFor();
      await harness.shot(d, "m25-password-reset");
      await d.getByRole("link", { name: "Sign in" }).click();
      await signIn(harness, d, baseURL, dev, "Max-Passw0rd-2!");
      await d.getByRole("heading", { name: "No workspace yet" }).waitFor();
    });

    // Keep the feature URL in the log: it helps when a later step fails.
    harness.log(`    feature: ${featureURL}`);
  },
];
