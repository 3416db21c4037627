// Where the referral lives between page views. A first-party cookie comes first: it is what the
// merchant's server reads at checkout. Where cookies are refused (blocked, sandboxed frames,
// strict privacy modes) localStorage still carries the referral to later pages for the snippet's
// own use (decoration, lead). Where both are closed, the tracker's own state still carries the
// referral through this page: nothing is read back from the places after landing, so a third,
// in-memory place would hold a copy that no one reads.

/**
 * One function per place, for reading and writing alike (one function is fewer bytes than a pair):
 * given a value, it first writes it, to lapse at `expires` (epoch ms); either way it answers what
 * the place then holds under the name (false or undefined: nothing; a read may also throw then).
 */
export type Place = (name: string, value?: string, expires?: number) => string | false | undefined;

// The cookie domain comes as a fourth argument, which the other place ignores: cheaper than a
// function making a place for each domain.
export const cookie = (name: string, value?: string, expires?: number, domain?: string) => {
  if (value)
    document.cookie =
      // A value always comes with its expiry.
      `${name}=${value}; Path=/; Expires=${new Date(expires as number).toUTCString()}; SameSite=Lax` +
      (location.protocol == "https:" ? "; Secure" : "") +
      (domain ? `; Domain=${domain}` : "");
  // A string argument to match() is compiled as a RegExp. No such cookie: no match, so this throws.
  return (document.cookie.match(`(^|; )${name}=([^;]*)`) as RegExpMatchArray)[2];
};

// Web storage keeps no expiry of its own, so the time a value lapses is stored beside it. Values
// are read and written as named properties, which Storage supports: shorter than getItem/setItem.
// Merely reading window.localStorage throws where it is blocked: inside the try of index.ts's store, here.
export const local: Place = (name, value, expires) => {
  const items = localStorage as Partial<Record<string, string>>;
  if (value) items[name] = JSON.stringify([value, expires]);
  // Typed as a number, though any script on the page may have written anything there: `>`
  // against a number converts it as Number() would.
  // Nothing under the name: JSON.parse(undefined) throws, which is how a place says it holds nothing.
  const [held, until] = JSON.parse(items[name] as string) as [unknown, number];
  // Only a live string value counts (false otherwise: this is the last place, nothing after it).
  return until > Date.now() && typeof held == "string" && held;
};
