import { randomBytes } from "node:crypto";
import type { Response } from "express";

// The dashboard is plain server-rendered HTML. Every value that comes from a request, the store
// or Stripe passes through `html` escaping; only the page's own markup is raw.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const escape = (value: unknown) => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** Markup that is safe to place as is. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

/** A tagged template that escapes every interpolation unless it is Html (or a list of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    const parts = Array.isArray(v) ? v : [v];
    out += parts.map((p) => (p instanceof Html ? p.value : p === false || p == null ? "" : escape(p))).join("");
    out += strings[i + 1];
  });
  return new Html(out);
}

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  .notice { padding: .75rem 1rem; border-radius: 6px; margin: 1rem 0; }
  .ok { background: #e7f6ec; } .bad { background: #fdecea; } .warn { background: #fff4e5; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  .button, button { display: inline-block; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; text-decoration: none; font: inherit; cursor: pointer; }
  button.secondary { background: #fff; color: #635bff; }
  input { font: inherit; padding: .4rem; width: 22rem; max-width: 100%; }
  code { font-size: .9em; } .muted { color: #666; }
`;

/** Sends a whole page; its inline script (if any) runs under a per-response CSP nonce. */
export function sendPage(res: Response, title: string, body: Html, script = ""): void {
  const nonce = randomBytes(16).toString("base64");
  res
    .set("Content-Security-Policy", `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`)
    .set("Cache-Control", "no-store")
    .type("html")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escape(title)} · Icodrip</title><style>${STYLE}</style></head><body>${body.value}` +
        (script ? `<script nonce="${nonce}">${script}</script>` : "") +
        `</body></html>`,
    );
}
