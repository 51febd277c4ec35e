// The catalog's and the host apps' edit pages, with a mouse: a JSAPI's detail
// page (everything but its name edited, a missing OS said beside the field,
// kept after a reload; read on a phone) and a host app's name, bundle id and
// description. Screenshots start with "e".
import { assert, expecting, signIn } from "./fixtures.mjs";

export const scenarios = [
  async function catalogAndAppEditing({ browser, baseURL, env, harness }) {
    const run = Date.now().toString(36);
    const jsapi = `ed${run}Scan`;
    const appName = `Durian Pay ${run}`;
    const operator = await harness.newUser(browser, { name: "operator" });
    const o = operator.page;
    await signIn(harness, o, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);

    await harness.step("the operator adds a JSAPI and opens its page from the list", async () => {
      await o.goto(baseURL + "/catalog/jsapis");
      await o.locator("summary", { hasText: "Add a JSAPI" }).click();
      await o.getByLabel("Name", { exact: true }).fill(jsapi);
      await o.locator("form").getByLabel("Description").fill("Scans a QR code.");
      await o.getByRole("button", { name: "Add JSAPI" }).click();
      await o.locator(".filters").getByLabel("Name starts with").fill(jsapi);
      await o.getByRole("table", { name: "JSAPIs" }).getByRole("link", { name: jsapi }).click();
      await o.getByRole("heading", { name: jsapi, level: 1 }).waitFor();
      await o.getByText("Scans a QR code.").first().waitFor();
    });
    await harness.step("the operator edits the JSAPI; a missing OS is said beside it", async () => {
      await o.getByLabel("iOS").uncheck();
      await o.getByLabel("Android").uncheck();
      await o.getByRole("button", { name: "Save JSAPI" }).click();
      await o.getByText("Choose at least one OS the JSAPI works on.").waitFor();
      await o.getByLabel("Android").check();
      await o.getByRole("textbox", { name: "Description" }).fill("Scans a QR code or a barcode.");
      await o.getByLabel("Needs the user's authorization").check();
      await o.getByLabel("Status").selectOption("deprecated");
      await o.getByRole("button", { name: "Save JSAPI" }).click();
      await o.getByRole("status").getByText("Saved.").waitFor();
      await o.locator(".page-header .badge", { hasText: "deprecated" }).waitFor();
      await harness.shot(o, "e01-jsapi-edited");
      await o.reload();
      await o.getByRole("heading", { name: jsapi, level: 1 }).waitFor();
      const facts = await o.locator("dl.facts").textContent();
      assert(facts.includes("Android") && !facts.includes("iOS") && facts.includes("Needed"), `the edit was not kept: ${facts}`);
      assert((await o.getByRole("textbox", { name: "Description" }).inputValue()) === "Scans a QR code or a barcode.", "the description was not kept");
    });
    await harness.step("on a phone, a developer-facing JSAPI page fits the screen", async () => {
      const phone = await harness.newUser(browser, { name: "operator-phone", viewport: { width: 390, height: 844 } });
      await signIn(harness, phone.page, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);
      await phone.page.goto(`${baseURL}/catalog/jsapis/${jsapi}`);
      await phone.page.getByRole("heading", { name: jsapi, level: 1 }).waitFor();
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 391, `the JSAPI page is ${width} px wide on a 390 px screen`);
      await harness.shot(phone.page, "e02-jsapi-phone");
    });

    await harness.step("the operator edits a host app", async () => {
      await o.goto(baseURL + "/apps");
      await o.locator("summary", { hasText: "Register a host app" }).click();
      await o.getByLabel("Name", { exact: true }).fill(appName);
      await o.getByLabel("Bundle id").fill(`com.durian.${run}`);
      await o.getByRole("button", { name: "Register app" }).click();
      await o.getByRole("heading", { name: appName, level: 1 }).waitFor();
      await o.locator("summary", { hasText: "Edit app" }).click();
      await o.getByLabel("Name", { exact: true }).fill(`${appName} Plus`);
      await o.getByLabel("Bundle id").fill("not a bundle id");
      await expecting(operator, 400, async () => {
        await o.getByRole("button", { name: "Save app" }).click();
        await o.locator(".field.invalid", { has: o.getByLabel("Bundle id") }).waitFor();
      });
      await o.getByLabel("Bundle id").fill(`com.durian.${run}.plus`);
      await o.getByRole("textbox", { name: "Description" }).fill("The Plus edition.");
      await o.getByRole("button", { name: "Save app" }).click();
      await o.getByRole("heading", { name: `${appName} Plus`, level: 1 }).waitFor();
      await o.getByText(`com.durian.${run}.plus`).first().waitFor();
      await harness.shot(o, "e03-app-edited");
    });
  },
];
