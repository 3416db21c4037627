import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Link, Program } from "../../server/domain/types.js";
import { affiliateOut, linkOut, presentLink, presentProgram, programOut } from "../../server/http/present.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { merchant, SERVER_ENV, type Merchant } from "../dashboard/support.js";

// Editing, disabling and deleting programs, affiliates and links: by API key, and with the
// dashboard's session cookie from Icodrip's own origin only. Disabled means "stop tracking, never
// break the site": the tracking link still redirects to the site, but records no click and hands
// the visitor no referral; what was recorded before stays as it was.

let n = 0;
const ua = () => `edit-agent-${String(n++)}-${Math.random().toString(36).slice(2)}`;

describe("status of records stored before it existed", () => {
  it("presents a program and a link without status as active, and a disabled one as disabled", () => {
    const program: Program = {
      id: "prg_old", workspaceId: "ws_x", key: "pk_old", name: "Old", url: "https://old.example.com", cookieDays: 30, attribution: "last",
      holdDays: 30, commission: { type: "percent", percent: 10 }, recurring: { type: "once" }, allowSelfReferral: false, createdAt: 0,
    };
    const link: Link = { id: "lnk_old", workspaceId: "ws_x", programId: "prg_old", affiliateId: "aff_old", code: "oldcode1", path: null, createdAt: 0 };
    expect(programOut.parse(presentProgram(program)).status).toBe("active");
    expect(linkOut.parse(presentLink(link, "https://icodrip.example")).status).toBe("active");
    expect(presentProgram({ ...program, status: "disabled" }).status).toBe("disabled");
    expect(presentLink({ ...link, status: "disabled" }, "https://icodrip.example").status).toBe("disabled");
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Editing and disabling records on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
    });
    afterAll(async () => {
      await server.stop();
    });

    const asMember = (m: Merchant, origin: string = server.url) => ({ cookie: m.cookie, origin });

    async function linkOf(m: Merchant, path?: string) {
      const res = await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id, ...(path ? { path } : {}) } });
      expect(res.status).toBe(201);
      return res.body as { id: string; code: string; url: string; status: string };
    }
    const clicks = async (m: Merchant) => (await server.api("GET", "/api/v1/clicks", { key: m.key })).body.data as { id: string; linkId: string | null }[];
    /** Opens the link as a fresh visitor; answers where the visitor was sent. */
    async function visit(code: string): Promise<URL> {
      const res = await server.api("GET", `/r/${code}`, { headers: { "user-agent": ua() } });
      expect(res.status).toBe(302);
      return new URL(res.headers.get("location") ?? "");
    }

    it("presents programs and links with their status, active by default, and PATCHes every editable field", async () => {
      const m = await merchant(server);
      const before = await server.api("GET", `/api/v1/programs/${m.program.id}`, { key: m.key });
      expect(programOut.parse(before.body).status).toBe("active");
      const link = await linkOf(m);
      expect(linkOut.parse(link).status).toBe("active");

      const changes = {
        name: "Renamed partners",
        url: "https://new-shop.example.com/path",
        commission: { type: "fixed", amount: 750, currency: "eur" },
        cookieDays: 14,
        holdDays: 7,
        recurring: { type: "months", months: 3 },
        attribution: "first",
        allowSelfReferral: true,
        join: "approval",
        minPayout: 5_000,
        status: "disabled",
      };
      const patched = await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: changes });
      expect(patched.status).toBe(200);
      expect(programOut.parse(patched.body)).toMatchObject({ ...changes, url: "https://new-shop.example.com", key: m.program.key });
      const bad = await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { status: "paused" } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toEqual({ status: "should be active or disabled" });

      const affiliate = await server.api("PATCH", `/api/v1/affiliates/${m.affiliate.id}`, { key: m.key, body: { name: "Ann B. Lee", email: "Ann.B@Example.com", code: "ann-b", status: "disabled" } });
      expect(affiliateOut.parse(affiliate.body)).toMatchObject({ name: "Ann B. Lee", email: "ann.b@example.com", code: "ann-b", status: "disabled" });

      const moved = await server.api("PATCH", `/api/v1/links/${link.id}`, { key: m.key, body: { path: "/pricing", status: "disabled" } });
      expect(linkOut.parse(moved.body)).toMatchObject({ path: "/pricing", status: "disabled", code: link.code });
      // A path-only change leaves the status alone (PATCH changes only what it is sent).
      const again = await server.api("PATCH", `/api/v1/links/${link.id}`, { key: m.key, body: { path: null } });
      expect(again.body).toMatchObject({ path: null, status: "disabled" });
      const listed = await server.api("GET", "/api/v1/links", { key: m.key });
      expect(listed.body.data.map((l: { status: string }) => l.status)).toEqual(["disabled"]);
    });

    for (const what of ["program", "affiliate", "link"] as const) {
      it(`sends a disabled ${what}'s visitors to the site with no click and no referral, and tracks again once enabled`, async () => {
        const m = await merchant(server);
        const link = await linkOf(m, "/pricing");
        const live = await visit(link.code);
        expect(live.searchParams.get("icd")).toMatch(/^icd_/);
        expect(await clicks(m)).toHaveLength(1);

        const target = what === "program" ? `/api/v1/programs/${m.program.id}` : what === "affiliate" ? `/api/v1/affiliates/${m.affiliate.id}` : `/api/v1/links/${link.id}`;
        expect((await server.api("PATCH", target, { key: m.key, body: { status: "disabled" } })).status).toBe(200);
        const off = await visit(link.code);
        // The site and the link's page, as ever; nothing that would set a referral.
        expect(`${off.origin}${off.pathname}`).toBe("https://shop.example.com/pricing");
        for (const param of ["icd", "icx", "ica"]) expect(off.searchParams.has(param)).toBe(false);
        expect(await clicks(m)).toHaveLength(1);
        // The snippet's own click (?via=code) records nothing either.
        const snippetClick = await server.api("POST", "/t/click", {
          body: JSON.stringify({ program: m.program.key, code: m.affiliate.code, url: "https://shop.example.com/?via=x" }),
          headers: { "content-type": "text/plain", "user-agent": ua() },
        });
        if (what !== "link") expect(snippetClick.status).toBeGreaterThanOrEqual(400);
        if (what === "program") expect(snippetClick.body.error.code).toBe("program_disabled");
        expect(await clicks(m)).toHaveLength(what === "link" ? 2 : 1); // a link's switch is that link's alone

        expect((await server.api("PATCH", target, { key: m.key, body: { status: "active" } })).status).toBe(200);
        expect((await visit(link.code)).searchParams.get("icd")).toMatch(/^icd_/);
        expect(await clicks(m)).toHaveLength(what === "link" ? 3 : 2);
      });
    }

    it("takes PATCH and DELETE of programs, affiliates and links with the session cookie from the same origin only", async () => {
      const m = await merchant(server);
      const link = await linkOf(m);
      for (const origin of ["https://evil.example", "null"]) {
        for (const [method, path, body] of [
          ["PATCH", `/api/v1/programs/${m.program.id}`, { status: "disabled" }],
          ["PATCH", `/api/v1/affiliates/${m.affiliate.id}`, { status: "disabled" }],
          ["PATCH", `/api/v1/links/${link.id}`, { status: "disabled" }],
          ["DELETE", `/api/v1/links/${link.id}`, undefined],
          ["DELETE", `/api/v1/affiliates/${m.affiliate.id}`, undefined],
          ["DELETE", `/api/v1/programs/${m.program.id}`, undefined],
        ] as const) {
          const res = await server.api(method, path, { body, headers: asMember(m, origin) });
          expect(res.status, `${method} ${path} from ${origin}`).toBe(403);
          expect(res.body.error.code).toBe("cross_origin");
        }
      }
      // Nothing changed.
      expect((await server.api("GET", `/api/v1/links/${link.id}`, { key: m.key })).body.status).toBe("active");
      expect((await server.api("GET", `/api/v1/programs/${m.program.id}`, { key: m.key })).body.status).toBe("active");

      const program = await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { body: { cookieDays: 9 }, headers: asMember(m) });
      expect(program.body).toMatchObject({ cookieDays: 9 });
      const affiliate = await server.api("PATCH", `/api/v1/affiliates/${m.affiliate.id}`, { body: { status: "disabled" }, headers: asMember(m) });
      expect(affiliate.body).toMatchObject({ status: "disabled" });
      const disabledLink = await server.api("PATCH", `/api/v1/links/${link.id}`, { body: { status: "disabled" }, headers: asMember(m) });
      expect(disabledLink.body).toMatchObject({ status: "disabled" });
      // Deleting in the only order the store allows; each refusal says what to do first.
      const early = await server.api("DELETE", `/api/v1/affiliates/${m.affiliate.id}`, { headers: asMember(m) });
      expect(early.status).toBe(409);
      expect(early.body.error.message).toMatch(/links; delete them first/);
      expect((await server.api("DELETE", `/api/v1/links/${link.id}`, { headers: asMember(m) })).status).toBe(204);
      expect((await server.api("DELETE", `/api/v1/affiliates/${m.affiliate.id}`, { headers: asMember(m) })).status).toBe(204);
      expect((await server.api("DELETE", `/api/v1/programs/${m.program.id}`, { headers: asMember(m) })).status).toBe(204);
      expect((await server.api("GET", `/api/v1/programs/${m.program.id}`, { key: m.key })).status).toBe(404);
    });

    it("lets no member change or delete another workspace's records", async () => {
      const owner = await merchant(server);
      const other = await merchant(server);
      const link = await linkOf(owner);
      for (const [method, path] of [
        ["PATCH", `/api/v1/programs/${owner.program.id}`],
        ["PATCH", `/api/v1/links/${link.id}`],
        ["DELETE", `/api/v1/links/${link.id}`],
      ] as const) {
        const res = await server.api(method, path, { body: method === "PATCH" ? { status: "disabled" } : undefined, headers: asMember(other) });
        expect(res.status).toBe(404);
      }
      expect((await server.api("GET", `/api/v1/links/${link.id}`, { key: owner.key })).body.status).toBe("active");
    });

    it("lists status in the OpenAPI document: in programs and links, in their PATCH bodies, and the session cookie on PATCH/DELETE", async () => {
      const doc = (await server.api("GET", "/api/v1/openapi.json")).body;
      for (const name of ["Program", "Link"]) expect(doc.components.schemas[name].properties.status.enum).toEqual(["active", "disabled"]);
      for (const path of ["/api/v1/programs/{id}", "/api/v1/links/{id}", "/api/v1/affiliates/{id}"]) {
        const patch = doc.paths[path].patch;
        expect(JSON.stringify(patch.requestBody.content["application/json"].schema), path).toContain('"enum":["active","disabled"]');
        for (const op of [patch, doc.paths[path].delete]) expect(op.security, path).toEqual([{ apiKey: [] }, { session: [] }]);
      }
    });

    it("closes a disabled program's join page", async () => {
      const m = await merchant(server);
      await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { join: "open", status: "disabled" } });
      const join = await server.api("POST", "/portal/api/join", { body: { program: m.program.key, name: "Cy", email: "cy@example.com" } });
      expect(join.status).toBe(403);
      expect(join.body.error).toMatchObject({ code: "join_closed" });
      expect(join.body.error.message).toMatch(/not taking affiliates/);
    });
  });
}
