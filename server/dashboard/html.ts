import type { Response } from "express";

// The dashboard is plain server-rendered HTML. Every value that comes from a request, the store
// or Stripe passes through `html` escaping; only the page's own markup is raw.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const escape = (value: string | number) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** What a page may interpolate: text and numbers (escaped), markup, or a list of them; false and null print nothing. */
type Part = string | number | boolean | null | undefined | Html;
export type Interpolation = Part | readonly Part[];

/** Markup that is safe to place as is. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

/** A tagged template that escapes every interpolation unless it is Html (or a list of Html). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    // `as Part`: Array.isArray does not narrow a readonly array out of the else branch.
    const parts: readonly Part[] = Array.isArray(v) ? v : [v as Part];
    out += parts.map((p) => (p instanceof Html ? p.value : p === false || p == null ? "" : escape(p === true ? "true" : p))).join("");
    out += strings[i + 1];
  });
  return new Html(out);
}

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 76rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  .notice { padding: .75rem 1rem; border-radius: 6px; margin: 1rem 0; }
  .ok { background: #e7f6ec; } .bad { background: #fdecea; } .warn { background: #fff4e5; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  td { overflow-wrap: anywhere; } /* long ids and webhook messages wrap instead of widening the table */
  td.message { min-width: 14rem; }
  .scroll { overflow-x: auto; }
  .button, button { display: inline-block; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; text-decoration: none; font: inherit; cursor: pointer; }
  button.secondary, .button.secondary { background: #fff; color: #635bff; }
  button.small { padding: .1rem .5rem; font-size: .85em; }
  input { font: inherit; padding: .4rem; width: 22rem; max-width: 100%; box-sizing: border-box; }
  input.short { width: 7rem; } select { font: inherit; padding: .35rem; max-width: 100%; box-sizing: border-box; }
  code { font-size: .9em; } .muted { color: #666; } .url { word-break: break-all; }
  ul.links { margin: 0; padding: 0; list-style: none; } time { white-space: nowrap; } form.attribute select { width: 13rem; }
  nav ul.tabs { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; margin: 0 0 1rem; border-bottom: 1px solid #ddd; }
  nav ul.tabs a { display: block; padding: .5rem .9rem; color: #333; text-decoration: none; border-bottom: 3px solid transparent; }
  nav ul.tabs a[aria-current="page"] { color: #635bff; border-bottom-color: #635bff; font-weight: 600; }
  form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: 1rem 0; }
  form.filters label, form.create label { display: inline-flex; flex-direction: column; gap: .15rem; }
  form.filters input[type="date"] { width: auto; } form.filters input[type="search"] { width: 14rem; }
  form.create { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; padding: .75rem; border: 1px solid #ddd; border-radius: 6px; }
  .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85em; white-space: nowrap; background: #eee; }
  .badge.green { background: #d7f2df; color: #135b2b; } .badge.amber { background: #ffe9c2; color: #6b4400; }
  .badge.red { background: #fbd5d1; color: #8a1c10; } .badge.blue { background: #dde3ff; color: #2a2f8f; }
  .pager { display: flex; gap: 1rem; margin: 1rem 0; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
  @media (max-width: 30rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .4rem; } }
  /* the overview: tiles, charts, two columns that stack on a phone */
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; margin: 1rem 0; }
  .tile { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .8rem; display: flex; flex-direction: column; gap: .1rem; min-width: 0; }
  .tile strong { font-size: 1.3rem; } .tile .line, td .line { display: block; } .delta { color: #555; font-size: .85rem; font-weight: normal; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
  figure.chart { margin: 0; min-width: 0; } figure.chart svg { width: 100%; height: 7rem; display: block; }
  figure.chart rect:last-child { fill: #635bff; } figure.chart .axis { display: flex; justify-content: space-between; font-size: .75rem; color: #666; }
  .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1.5rem; }
  /* record actions (record-actions.ts): a row of small buttons, what they did, a folded edit form */
  .actions { margin-top: .3rem; } .actions .buttons { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
  .actions .notice { margin: .4rem 0; } .actions .buttons p { margin: 0; flex-basis: 100%; } .small { font-size: .85em; }
  details.edit { flex-basis: 100%; } details.edit summary { cursor: pointer; color: #635bff; } details.edit form.create { margin-top: .5rem; }
  .pasteable pre { background: #f6f6f8; padding: .6rem; border-radius: 6px; margin: .3rem 0 1rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  form.create label.check, label.check { display: inline-flex; flex-direction: row; gap: .4rem; align-items: center; } label.check input { width: auto; }
  ul.links li + li { margin-top: .6rem; } table.affiliates td { min-width: 5rem; }
  /* on a phone each affiliate is a card of labelled lines instead of a row nine columns wide */
  @media (max-width: 40rem) {
    table.affiliates thead { display: none; } table.affiliates, table.affiliates tbody, table.affiliates tr, table.affiliates td { display: block; }
    table.affiliates tr { border-bottom: 2px solid #ddd; padding: .5rem 0; } table.affiliates td { border: 0; padding: .2rem 0; }
    table.affiliates td::before { content: attr(data-label); display: block; font-size: .8em; color: #666; }
  }
  /* a form's field is never wider than the form: on a phone its input shrinks to fit */
  form.create label { max-width: 100%; } form.create input:not([type=checkbox]) { box-sizing: border-box; }
  /* the affiliates' portal and join page */
  .trap { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
  main.portal form.create label { flex: 1 1 14rem; min-width: 0; }
  main.portal form.create input, main.portal form.create select { width: 100%; box-sizing: border-box; }
  details.history ol { margin: .25rem 0 0; padding-left: 1.2rem; font-size: .85em; } details.history summary { cursor: pointer; font-size: .85em; color: #635bff; }
  /* the Conversions tab's totals per currency */
  table.totals { width: auto; min-width: 50%; margin: 0 0 1rem; } table.totals caption { text-align: left; font-weight: 600; padding: .25rem 0; }
  table.totals tbody th { font-weight: 600; }
  /* Narrow screens (a 360 px phone): nothing may push the page sideways. Text breaks anywhere
     it must, fields fit the width, and a table marked .stack turns each row into a block of
     "label value" lines, the label from the cell's data-label; any other table scrolls inside
     its .scroll box rather than widening the page. */
  header p, main p, main li, .notice { overflow-wrap: anywhere; }
  @media (max-width: 40rem) {
    body { margin: 1rem auto; }
    form.filters label, form.create label { flex: 1 1 100%; min-width: 0; }
    form.filters input, form.filters select, form.create input, form.create select { width: 100%; box-sizing: border-box; }
    form.create input.short { width: 100%; }
    td.message { min-width: 0; }
    table.stack, table.stack tbody, table.stack tfoot, table.stack tr, table.stack td, table.stack tbody th, table.stack tfoot th { display: block; width: auto; }
    table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    table.stack caption { display: block; }
    table.stack tr { border-bottom: 1px solid #ddd; padding: .4rem 0; }
    /* flow-root holds the floated label, so a label on two lines makes its cell taller instead of overlapping the next */
    table.stack td, table.stack tbody th { display: flow-root; border: 0; padding: .15rem 0 .15rem 8.5rem; text-align: left; white-space: normal; }
    table.stack td:empty { display: none; }
    table.stack td[data-label]::before, table.stack tbody th[data-label]::before {
      content: attr(data-label); float: left; width: 8rem; margin-left: -8.5rem; font-weight: 600; color: #555; overflow-wrap: anywhere;
    }
    table.stack td:not([data-label]) { padding-left: 0; }
    form.attribute select { width: 100%; }
  }
`;

/**
 * Sends a whole page. Its script (if any) is a same-origin module at `scriptSrc`: the CSP allows
 * scripts from 'self' only, so no inline script (or one injected into the markup) runs.
 */
export function sendPage(res: Response, title: string, body: Html, scriptSrc?: string): void {
  res
    .set("Content-Security-Policy", `default-src 'self'; script-src ${scriptSrc ? "'self'" : "'none'"}; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`)
    .set("Cache-Control", "no-store")
    // Not helmet's no-referrer: under it a browser sends `Origin: null` with a form POST, even to
    // its own site, and /session (rightly) refuses that as cross-origin. same-origin keeps the
    // real Origin on requests to Icodrip and still sends nothing to other sites.
    .set("Referrer-Policy", "same-origin")
    .type("html")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escape(title)} · Icodrip</title><style>${STYLE}</style></head><body>${body.value}` +
        (scriptSrc ? `<script type="module" src="${escape(scriptSrc)}"></script>` : "") +
        `</body></html>`,
    );
}
