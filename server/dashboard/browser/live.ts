import { localizeTimes } from "./page.js";

// Open pages stay current without reloading: every 2 s, while the tab is visible, they ask for
// the workspace's version (GET /api/v1/reports/version: a few bytes that change whenever a click
// or a conversion is written) and only when it moved do they fetch their page again and swap the
// regions that can change. A quiet workspace costs one tiny request per open tab every 2 s,
// whatever its size.

const POLL_MS = 2000;

/** Calls `apply` whenever the version moves; `apply` answers false to be called again next time (it could not swap yet). */
export function whenChanged(apply: () => Promise<boolean>): void {
  let seen: string | null = null;
  let owed = false;
  let busy = false;
  const tick = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const res = await fetch("/api/v1/reports/version", { headers: { accept: "application/json" } });
      if (!res.ok) return;
      const { version } = (await res.json()) as { version: string };
      if (seen !== null && version !== seen) owed = true;
      seen = version;
      if (owed) owed = !(await apply());
    } catch {
      // A failed poll is tried again on the next tick.
    } finally {
      busy = false;
    }
  };
  void tick();
  setInterval(() => void tick(), POLL_MS);
}

/** Fetches this page again and swaps each element marked data-live (by id) that changed; false when it could not. */
export async function swapLiveRegions(): Promise<boolean> {
  const res = await fetch(location.href, { headers: { accept: "text/html" } });
  // Redirected means signed out (sent to /login): keep what is shown rather than show the form.
  if (!res.ok || res.redirected) return false;
  const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
  for (const region of document.querySelectorAll<HTMLElement>("[data-live][id]")) {
    const next = fresh.getElementById(region.id);
    if (!next || next.innerHTML === region.dataset.served) continue;
    const node = document.adoptNode(next);
    node.dataset.served = next.innerHTML;
    localizeTimes(node);
    region.replaceWith(node);
  }
  return true;
}
