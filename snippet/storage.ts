// Where the referral lives between page views. A first-party cookie comes first: it is what the
// merchant's server reads at checkout. Where cookies are refused (blocked, sandboxed frames,
// strict privacy modes) localStorage still carries the referral to later pages for the snippet's
// own use (decoration, lead), and memory keeps it for this page at least.

export interface Place {
  get(name: string): string | null;
  set(name: string, value: string, expires: number): void;
}

type Items = Pick<Storage, "getItem" | "setItem">;

export function cookies(domain: string | null): Place {
  return {
    get: (name) => document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`))?.[1] ?? null,
    set: (name, value, expires) => {
      document.cookie =
        `${name}=${value}; Path=/; Expires=${new Date(expires).toUTCString()}; SameSite=Lax` +
        (location.protocol == "https:" ? "; Secure" : "") +
        (domain ? `; Domain=${domain}` : "");
    },
  };
}

// Web storage keeps no expiry of its own, so the time a value lapses is stored beside it.
// `items` is a function because merely reading window.localStorage throws where it is blocked.
export function expiring(items: () => Items): Place {
  return {
    get: (name) => {
      const [value, expires] = JSON.parse(items().getItem(name) || "[]") as unknown[];
      // Storage is writable by any script on the page: only a string value counts.
      return typeof value === "string" && Number(expires) > Date.now() ? value : null;
    },
    set: (name, value, expires) => items().setItem(name, JSON.stringify([value, expires])),
  };
}

export function memory(): Items {
  const items: Record<string, string> = {};
  return {
    getItem: (name) => items[name] ?? null,
    setItem: (name, value) => {
      items[name] = value;
    },
  };
}

/** Reads from the first place holding the name; writes to the first place where the write sticks. */
export function jar(places: Place[]): Place {
  return {
    get(name) {
      for (const place of places) {
        const value = attempt(() => place.get(name));
        if (value != null) return value;
      }
      return null;
    },
    set(name, value, expires) {
      for (const place of places) {
        if (attempt(() => (place.set(name, value, expires), place.get(name))) === value) return;
      }
    },
  };
}

function attempt<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}
