import { html, type Html } from "./html.js";

// Lists page by cursor, newest first, like the JSON API. The links keep the page's filters;
// "Newest" goes back to the first page, since a cursor only knows the way to older items.

export function pageHref(path: string, filters: Record<string, string | undefined>, cursor?: string | null): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (cursor) query.set("cursor", cursor);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function pager(path: string, filters: Record<string, string | undefined>, cursor: string | undefined, nextCursor: string | null): Html {
  if (!cursor && !nextCursor) return html``;
  return html`<nav class="pager" aria-label="Pages">
    ${cursor ? html`<a href="${pageHref(path, filters)}">« Newest</a>` : null}
    ${nextCursor ? html`<a href="${pageHref(path, filters, nextCursor)}" rel="next">Older »</a>` : null}
  </nav>`;
}
