import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DELETE_SENTENCES } from "../../server/dashboard/record-actions.js";
import { launchChromium, memberPage, screenshotWidths } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { merchant, SERVER_ENV, type Merchant } from "./support.js";

// The Programs and Affiliates tabs' record actions in real Chromium, through the real server and
// store: edit a program's cookie window and see the next click expire by it; disable and enable
// an affiliate; delete a link after the confirmation (a "no" first changes nothing); approve an
// applicant; hand out a portal link. Screenshots at 1280 and 360 px go to
// test-results/screenshots (git-ignored), and neither width scrolls sideways.

const DAY_MS = 24 * 3600 * 1000;

describe.runIf(services.chromium)("editing, disabling and deleting records in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer(embeddedKind, SERVER_ENV);
    browser = await launchChromium();
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await server?.stop();
  });

  async function signedInPage(m: Merchant): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const { context, page, errors } = await memberPage(browser, server.url, m.cookie);
    return { page, errors, close: () => context.close() };
  }

  async function screenshots(page: Page, name: string): Promise<void> {
    const widths = await screenshotWidths(page, name);
    for (const width of [1280, 360] as const) expect(widths[width], `${name} width at ${String(width)}`).toBeLessThanOrEqual(width);
  }

  it("edits a program's cookie window on the Programs tab, and the next click expires by it", async () => {
    const m = await merchant(server);
    const link = (await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id } })).body as { code: string };
    const { page, errors, close } = await signedInPage(m);
    await page.goto(`${server.url}/dashboard/overview`);
    await page.getByRole("link", { name: "Programs" }).click();
    await page.waitForURL(`${server.url}/dashboard/programs`);
    const section = page.getByRole("region", { name: m.program.name });
    await section.getByText("60-day cookie").waitFor();
    await section.getByText(`data-program="${m.program.key}"`).waitFor();

    await section.getByText(`Edit ${m.program.name}`).click();
    const form = section.locator(`form[data-edit=programs]`);
    await form.getByLabel("Cookie days").fill("7");
    await form.getByLabel("Joining").selectOption("open");
    await form.getByRole("button", { name: "Save" }).click();
    // The page reloads with the program as saved, its join link now shown.
    await section.getByText("7-day cookie").waitFor();
    await section.getByText(`${server.url}/join/${m.program.key}`).waitFor();
    const saved = (await server.api("GET", `/api/v1/programs/${m.program.id}`, { key: m.key })).body;
    expect(saved).toMatchObject({ cookieDays: 7, join: "open", commission: { type: "percent", percent: 30 }, holdDays: 30, status: "active" });

    // A bad value says why, in the form, and saves nothing.
    await section.getByText(`Edit ${m.program.name}`).click();
    await form.getByLabel("Cookie days").fill("0");
    // The browser's own check would stop the submit; the API's sentence is what this is about.
    await form.evaluate((f) => f.setAttribute("novalidate", ""));
    await form.getByRole("button", { name: "Save" }).click();
    await form.locator("[data-error]").getByText(/cookieDays/).waitFor();

    const visit = await server.api("GET", `/r/${link.code}`, { headers: { "user-agent": "records-browser-visitor" } });
    expect(visit.status).toBe(302);
    const [click] = (await server.api("GET", "/api/v1/clicks", { key: m.key })).body.data as { createdAt: string; expiresAt: string }[];
    expect(Date.parse(click.expiresAt) - Date.parse(click.createdAt)).toBe(7 * DAY_MS);

    await screenshots(page, "programs");
    // The one refused save, and nothing else.
    expect(errors).toEqual([`400 ${server.url}/api/v1/programs/${m.program.id}`]);
    await close();
  });

  it("disables and enables an affiliate, deletes a link after confirming, approves an applicant and hands out a portal link", async () => {
    const m = await merchant(server, { affiliateName: "Dee Able" });
    const link = (await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id, path: "/pricing" } })).body as { id: string; url: string };
    await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { join: "approval" } });
    const applied = await server.api("POST", "/portal/api/join", { body: { program: m.program.key, name: "Ap Plicant", email: "ap@example.com" } });
    expect(applied.body).toEqual({ status: "pending" });
    const { page, errors, close } = await signedInPage(m);
    await page.goto(`${server.url}/dashboard/affiliates`);
    const row = page.getByRole("row").filter({ hasText: "Dee Able" });
    const status = async (id: string) => (await server.api("GET", `/api/v1/affiliates/${id}`, { key: m.key })).body.status as string;

    // Disable, then enable.
    await row.getByRole("button", { name: "Disable Dee Able" }).click();
    await row.locator(".badge.red", { hasText: "disabled" }).waitFor();
    expect(await status(m.affiliate.id)).toBe("disabled");
    await row.getByRole("button", { name: "Enable Dee Able" }).click();
    await row.locator(".badge.green", { hasText: "active" }).waitFor();
    expect(await status(m.affiliate.id)).toBe("active");
    expect(await row.textContent()).toContain("never"); // no portal sign-in yet
    expect(await row.textContent()).toContain("not set"); // no payout method yet

    // Delete the link: a "no" keeps it; a "yes", after the sentence saying what deleting does, removes it.
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await row.getByRole("button", { name: `Delete ${link.url}` }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect((await server.api("GET", `/api/v1/links/${link.id}`, { key: m.key })).status).toBe(200);
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await row.getByRole("button", { name: `Delete ${link.url}` }).click();
    await row.getByText(link.url).waitFor({ state: "detached" });
    expect(asked).toEqual([DELETE_SENTENCES.links(link.url), DELETE_SENTENCES.links(link.url)]);
    expect(asked[0]).toMatch(/clicks it recorded and their conversions stay/i);
    expect((await server.api("GET", `/api/v1/links/${link.id}`, { key: m.key })).status).toBe(404);

    // Approve the applicant: pending (amber) becomes active, with a first link.
    const applicant = page.getByRole("row").filter({ hasText: "Ap Plicant" });
    await applicant.locator(".badge.amber", { hasText: "pending" }).waitFor();
    await applicant.getByText("Reject disables the application").waitFor();
    await applicant.getByRole("button", { name: "Approve Ap Plicant" }).click();
    await applicant.locator(".badge.green", { hasText: "active" }).waitFor();
    await applicant.locator("ul.links code.url").waitFor();
    const [approved] = (await server.api("GET", `/api/v1/affiliates?programId=${m.program.id}&status=active`, { key: m.key })).body.data as { name: string }[];
    expect(approved.name).toBe("Ap Plicant");

    // A portal link for Dee: the URL, its expiry and a Copy button, without leaving the page.
    await row.getByRole("button", { name: "Portal link for Dee Able" }).click();
    const result = row.locator("[data-action-result]");
    await result.getByText(/valid until/).waitFor();
    expect(await result.locator("code.url").textContent()).toMatch(new RegExp(`^${server.url}/portal/`));
    await result.getByRole("button", { name: "Copy the sign-in link" }).waitFor();

    // Deleting an affiliate who still has links is refused with the API's own sentence.
    page.once("dialog", (d) => void d.accept());
    await applicant.getByRole("button", { name: "Delete Ap Plicant" }).click();
    await applicant.locator("[data-action-error]").getByText("This affiliate still has links; delete them first.").waitFor();

    // The name leads to the affiliate's own page.
    expect(await row.getByRole("link", { name: "Dee Able" }).getAttribute("href")).toBe(`/dashboard/affiliates/${m.affiliate.id}`);

    await screenshots(page, "affiliates");
    // The one refused delete, and nothing else.
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^409 ${server.url}/api/v1/affiliates/aff_`))]);
    await close();
  });
});
