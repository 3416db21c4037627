import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";

// `@icodrip/middleware` as a merchant gets it: packed with `npm pack` (which builds it through
// `prepack`), installed from the tarball into a throwaway project outside the repository that has
// nothing but express and stripe from the registry, then loaded, type-checked and run there. npm
// keeps what it downloads in its cache, so later runs install from disk.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const CLICK = "icd_pkg_Test-1";
const EMAIL = "visitor+pkg@example.com";

// An enclosing `npm test` exports its configuration as npm_* variables; the npm run here must read
// the throwaway project's settings, not inherit the repository's.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("npm_")));

let work: string;
let project: string;
let unpacked: string;
let packedFiles: string[];
let manifest: Record<string, unknown> & { exports: unknown };
let sandbox: StripeSandbox | undefined;
let app: ChildProcess | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "icodrip-mwpkg-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: join(root, "middleware"), env: npmEnv });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = packed.files.map((file) => file.path);
  const tarball = join(work, packed.filename);
  unpacked = join(work, "unpacked");
  mkdirSync(unpacked);
  await run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
  manifest = JSON.parse(readFileSync(join(unpacked, "package.json"), "utf8"));

  project = join(work, "shop");
  mkdirSync(project);
  for (const [name, text] of Object.entries(projectFiles())) writeFileSync(join(project, name), text);
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "express@5.3", "stripe@23.1"], {
    cwd: project,
    env: npmEnv,
  });
}, 180_000);

afterAll(async () => {
  app?.kill();
  await sandbox?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("@icodrip/middleware, packed and installed beside only express and stripe", { timeout: 180_000 }, () => {
  it("declares no dependencies: stripe and express are optional peers", () => {
    expect(manifest).toMatchObject({ name: "@icodrip/middleware", license: "MIT", sideEffects: false, engines: { node: ">=20.12" } });
    for (const field of ["dependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"]) {
      expect(manifest[field], field).toBeUndefined();
    }
    expect(Object.keys(manifest.peerDependencies as object).sort()).toEqual(["express", "stripe"]);
    expect(manifest.peerDependenciesMeta).toEqual({ express: { optional: true }, stripe: { optional: true } });
    const installed = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as { packages: Record<string, { dependencies?: object }> };
    expect(installed.packages["node_modules/@icodrip/middleware"].dependencies).toBeUndefined();
  });

  it("ships the ESM, CommonJS and declaration files its exports name, and nothing dangling", () => {
    const targets = [...leaves(manifest.exports), manifest.main, manifest.types] as string[];
    expect(targets).toEqual(expect.arrayContaining(["./dist/esm/index.js", "./dist/esm/index.d.ts", "./dist/cjs/index.js", "./dist/cjs/index.d.ts"]));
    for (const target of targets) expect(packedFiles, target).toContain(target.replace(/^\.\//, ""));
    expect(JSON.parse(readFileSync(join(unpacked, "dist/cjs/package.json"), "utf8"))).toEqual({ type: "commonjs" });

    const files = listFiles(unpacked);
    const modules = files.filter((file) => file.endsWith(".js"));
    expect(modules.filter((file) => file.startsWith("dist/esm/")).length).toBeGreaterThanOrEqual(8);
    expect(modules.filter((file) => file.startsWith("dist/cjs/")).length).toBe(modules.filter((file) => file.startsWith("dist/esm/")).length);
    for (const file of modules) expect(files, `${file}'s declarations`).toContain(file.replace(/\.js$/, ".d.ts"));
    // Sources are not shipped, so neither may be anything pointing at them.
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
    for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
      for (const [, url] of readFileSync(join(unpacked, file), "utf8").matchAll(/[#@] sourceMappingURL=(\S+)/g)) {
        expect(url.startsWith("data:") || existsSync(join(unpacked, dirname(file), url)), `${file} -> ${url}`).toBe(true);
      }
    }
    for (const map of files.filter((file) => file.endsWith(".map"))) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(unpacked, map), "utf8")) as { sources: string[]; sourcesContent?: string[] };
      sources.forEach((source, i) => expect(sourcesContent?.[i] != null || existsSync(join(unpacked, dirname(map), source)), `${map} -> ${source}`).toBe(true));
    }
  });

  it("runs on Node's built-ins alone", () => {
    const builtins = new Set(builtinModules);
    for (const file of listFiles(unpacked).filter((name) => name.endsWith(".js"))) {
      const code = readFileSync(join(unpacked, file), "utf8");
      for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)) {
        const allowed = specifier.startsWith("./") || specifier.startsWith("node:") || builtins.has(specifier);
        expect(allowed, `${file} imports ${specifier}`).toBe(true);
      }
    }
  });

  it("loads with require() and import(), and both share the request's referral", async () => {
    const { stdout } = await run(process.execPath, ["check.cjs"], { cwd: project });
    const result = JSON.parse(stdout) as { required: string[]; imported: string[]; referralAcross: unknown; referralBack: unknown };
    const api = ["CLICK_METADATA_KEY", "REFERRAL_COOKIE", "REFERRAL_HEADER", "currentReferral", "parseReferral", "referral", "runWithReferral", "withReferral", "wrapStripe"];
    expect(result.required).toEqual(api);
    expect(result.imported).toEqual(api);
    // A referral set through one build is seen by the other, as when an app mixes the two.
    expect(result.referralAcross).toEqual({ clickId: CLICK });
    expect(result.referralBack).toEqual({ clickId: CLICK });
  });

  it("type-checks a merchant's code against their own stripe types, without and with express's types", async () => {
    await expect(run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project })).resolves.toMatchObject({ stdout: "" });
    await expect(run(process.execPath, [tsc, "-p", "tsconfig.express.json"], { cwd: project })).resolves.toMatchObject({ stdout: "" });
  });

  it("creates a Checkout Session through the Stripe sandbox carrying the visitor's referral", async () => {
    sandbox = await startStripeSandbox();
    const { host, port } = sandbox.stripeConfig;
    app = spawn(process.execPath, ["app.mjs"], {
      cwd: project,
      env: { ...process.env, SHOP_STRIPE_KEY: sandbox.accounts[0].secretKey, SHOP_STRIPE_HOST: host, SHOP_STRIPE_PORT: String(port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = once(app, "exit").then(([code]) => {
      throw new Error(`the shop exited (${code}) before it listened`);
    });
    const [line] = (await Promise.race([once(createInterface({ input: app.stdout! }), "line"), exited])) as [string];
    const shop = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;

    const referred = await fetch(`${shop}/checkout`, { method: "POST", headers: { cookie: `other=1; icodrip_ref=${CLICK}:${encodeURIComponent(EMAIL)}` } });
    expect(referred.status).toBe(200);
    const answer = (await referred.json()) as { id: string; referral: unknown };
    expect(answer.referral).toEqual({ clickId: CLICK, email: EMAIL });
    const recorded = sandbox.checkoutSessions.find((s) => s.id === answer.id);
    expect(recorded?.account).toBe(sandbox.accounts[0].accountId);
    expect(recorded?.session).toMatchObject({ client_reference_id: CLICK, customer_email: EMAIL, metadata: { icodrip_click: CLICK, order: "42" } });
    expect(recorded?.params).toMatchObject({ payment_intent_data: { metadata: { icodrip_click: CLICK } } });

    const direct = await fetch(`${shop}/checkout`, { method: "POST" });
    const plain = (await direct.json()) as { id: string; referral: unknown };
    expect(plain.referral).toBeNull();
    const untouched = sandbox.checkoutSessions.find((s) => s.id === plain.id);
    expect(untouched?.session).toMatchObject({ client_reference_id: null, metadata: { order: "42" } });
    expect(untouched?.session.metadata).not.toHaveProperty("icodrip_click");
  });
});

// The string values of an `exports` map, however deeply its conditions nest.
function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return value && typeof value === "object" ? Object.values(value).flatMap(leaves) : [];
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

// The merchant's project. The TypeScript checks borrow only @types/node from the repository (stripe's
// own types need it, as in any TypeScript project using stripe-node); express's types come in only
// for the second check, which is about Express users.
function projectFiles(): Record<string, string> {
  const typeRoots = JSON.stringify(join(root, "node_modules/@types"));
  const expressTypes = JSON.stringify(join(root, "node_modules/@types/express/index.d.ts"));
  return {
    "package.json": `${JSON.stringify({ name: "shop", private: true, type: "module" })}\n`,
    "tsconfig.json": `{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2022"],
    "strict": true, "noEmit": true, "skipLibCheck": false,
    "typeRoots": [${typeRoots}], "types": ["node"]
  },
  "files": ["merchant.ts", "merchant.cts"]
}
`,
    "tsconfig.express.json": `{
  "extends": "./tsconfig.json",
  "compilerOptions": { "paths": { "express": [${expressTypes}] } },
  "files": ["merchant-express.ts"]
}
`,
    "merchant.ts": `import { createServer } from "node:http";
import Stripe from "stripe";
import {
  CLICK_METADATA_KEY,
  currentReferral,
  parseReferral,
  referral,
  REFERRAL_COOKIE,
  runWithReferral,
  withReferral,
  wrapStripe,
  type Referral,
} from "@icodrip/middleware";

type Params = Stripe.Checkout.SessionCreateParams;
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// wrapStripe hands back the merchant's own client type.
const stripe: Stripe = wrapStripe(new Stripe("sk_test_x", { host: "127.0.0.1", port: 12111, protocol: "http" }));

// withReferral takes and returns the merchant's own params type, exactly.
const params: Params = { mode: "subscription", line_items: [{ price: "price_1", quantity: 1 }], subscription_data: { trial_period_days: 7 } };
const found: Referral | null = parseReferral("icd_abc");
const tagged: Params = withReferral(params, found);
export const exact: Same<ReturnType<typeof withReferral<Params>>, Params> = true;
export const inferred: Same<typeof tagged, Params> = true;
// @ts-expect-error a field it touches, with the wrong type, is refused
withReferral({ client_reference_id: 42 }, found);
// @ts-expect-error an object with none of the fields is not session params
withReferral({ amount: 42 }, found);

// referral() needs no express types: Node's own request fits it.
const track = referral({ cookie: REFERRAL_COOKIE, header: false });
createServer((req, res) =>
  track(req, res, async () => {
    const session = await stripe.checkout.sessions.create({ mode: "payment", success_url: "https://shop.example/ok" });
    res.end(\`\${session.url} \${currentReferral()?.clickId ?? ""} \${CLICK_METADATA_KEY}\`);
  }),
);
runWithReferral({ clickId: "icd_abc" }, () => currentReferral());
`,
    "merchant.cts": `import type Stripe from "stripe";
import { parseReferral, referral, withReferral, wrapStripe } from "@icodrip/middleware";

// The CommonJS declarations (the package's "require" condition) describe the same API.
export function create(stripe: Stripe, cookie: string): Promise<Stripe.Checkout.Session> {
  const params: Stripe.Checkout.SessionCreateParams = withReferral({ mode: "payment" }, parseReferral(cookie));
  return wrapStripe(stripe).checkout.sessions.create(params);
}
export const middleware = referral();
`,
    "merchant-express.ts": `import express from "express";
import { referral, type Referral } from "@icodrip/middleware";

// With express's types installed, app.use takes the middleware and req.referral is typed.
const app = express();
app.use(referral());
app.get("/", (req, res) => {
  const found: Referral | null | undefined = req.referral;
  res.json(found ?? null);
});
export { app };
`,
    "check.cjs": `const required = require("@icodrip/middleware");
import("@icodrip/middleware").then((imported) => {
  const referral = { clickId: ${JSON.stringify(CLICK)} };
  console.log(JSON.stringify({
    required: Object.keys(required).filter((key) => key !== "__esModule").sort(),
    imported: Object.keys(imported).filter((key) => key !== "default" && key !== "module.exports").sort(),
    referralAcross: required.runWithReferral(referral, () => imported.currentReferral()),
    referralBack: imported.runWithReferral(referral, () => required.currentReferral()),
  }));
});
`,
    "app.mjs": `import express from "express";
import Stripe from "stripe";
import { referral, wrapStripe } from "@icodrip/middleware";

const { SHOP_STRIPE_KEY, SHOP_STRIPE_HOST, SHOP_STRIPE_PORT } = process.env;
const stripe = wrapStripe(
  new Stripe(SHOP_STRIPE_KEY, { host: SHOP_STRIPE_HOST, port: Number(SHOP_STRIPE_PORT), protocol: "http", maxNetworkRetries: 0 }),
);
const app = express();
app.use(referral());
app.post("/checkout", async (req, res) => {
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ price_data: { currency: "usd", unit_amount: 1500, product_data: { name: "Mug" } }, quantity: 1 }],
    success_url: "https://shop.example/thanks",
    metadata: { order: "42" },
  });
  res.json({ id: session.id, referral: req.referral });
});
const server = app.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
`,
  };
}
