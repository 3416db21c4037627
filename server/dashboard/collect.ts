import type { Page } from "../domain/types.js";

// The pages need whole small lists (a workspace's programs, its affiliates for a select box).
// The store hands out pages of at most 100; this follows the cursor up to a cap, so a workspace
// with a huge list costs a bounded amount and the page says it shows only part.

export interface Collected<T> {
  items: T[];
  /** true when there were more than the cap */
  truncated: boolean;
}

export async function collect<T>(list: (cursor: string | null) => Promise<Page<T>>, cap: number): Promise<Collected<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list(cursor);
    items.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && items.length < cap);
  return { items: items.slice(0, cap), truncated: items.length > cap || cursor !== null };
}
