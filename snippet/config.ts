export interface Config {
  program: string;
  /** Icodrip's origin, without a trailing slash. */
  api: string;
  /** Cookie domain, so one referral covers www.example.com and app.example.com. */
  domain: string | null;
}

export function readConfig(): Config | null {
  const script = ownScript();
  const { program, api, domain } = script?.dataset ?? {};
  // An inline copy has no src to learn Icodrip's origin from, so it needs data-api.
  if (!script || !program || !(api || script.src)) return null;
  return {
    program,
    // The file is normally served by Icodrip itself, so its own origin is the API's.
    api: (api || new URL(script.src).origin).replace(/\/+$/, ""),
    domain: domain || null,
  };
}

// currentScript is null when a tag manager or loader evaluates the code, hence the fallback.
function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript as HTMLScriptElement | null;
  return current?.dataset.program ? current : document.querySelector("script[data-program]");
}
