// Stripe's v1 API takes application/x-www-form-urlencoded bodies (and query strings for GET and
// DELETE) with nesting written into the keys: `metadata[icodrip_click]=icd_1`,
// `enabled_events[0]=charge.refunded` (how stripe-node writes arrays) or `enabled_events[]=…`
// (how curl users write them). This turns such a string into the nested value the handlers read.

// `| undefined` on the index signatures: a form names only the keys it sends, and every read of
// a key must allow for its absence.
export type FormValue = string | FormValue[] | { [key: string]: FormValue | undefined };
export type FormObject = { [key: string]: FormValue | undefined };

// Containers that came from `[0]` or `[]` segments: they become real arrays at the end, when all
// their keys turned out to be indices. Plain objects (metadata) are never turned into arrays.
type Container = { [key: string]: FormValue | undefined };

/** Splits `a[b][0][]` into ["a", "b", "0", ""]; a key that is not of that form stays whole. */
function segments(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const rest = [...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]);
  return [match[1], ...rest];
}

const isIndex = (segment: string) => segment === "" || /^\d+$/.test(segment);

export function parseForm(text: string): FormObject {
  const root: Container = {};
  const arrayLike = new WeakSet<Container>();
  for (const [key, value] of new URLSearchParams(text)) {
    const path = segments(key);
    let cursor: Container = root;
    for (let i = 0; i < path.length; i += 1) {
      // `[]` appends: its index is the number of entries the container already holds.
      const segment = path[i] === "" ? String(Object.keys(cursor).length) : path[i];
      if (i === path.length - 1) {
        cursor[segment] = value;
        break;
      }
      const existing = cursor[segment];
      if (existing === undefined || typeof existing === "string" || Array.isArray(existing)) {
        // A later nested key wins over an earlier scalar one, as it would in a plain object.
        const next: Container = {};
        if (isIndex(path[i + 1])) arrayLike.add(next);
        cursor[segment] = next;
        cursor = next;
      } else {
        cursor = existing;
      }
    }
  }
  return finish(root, arrayLike) as FormObject;
}

function finish(value: FormValue, arrayLike: WeakSet<Container>): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (arrayLike.has(value) && keys.every((k) => /^\d+$/.test(k))) {
    // Indices may have gaps (a client dropping undefined entries); order is what counts.
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => value[String(k)])
      .filter((v) => v !== undefined)
      .map((v) => finish(v, arrayLike));
  }
  const out: Container = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = finish(v, arrayLike);
  return out;
}
