import { BOT } from "./bot.js";

export interface Config {
  program: string;
  /** Icodrip's origin, without a trailing slash. */
  api: string;
  /** Cookie domain, so one referral covers www.example.com and app.example.com. */
  domain?: string;
}

/** Null without a program on the page, or for a bot: then nothing is read, stored or sent. */
export const readConfig = (): Config | null => {
  // currentScript is null when a tag manager or loader evaluates the code, hence the fallback.
  const current = document.currentScript as HTMLScriptElement | null;
  const script = current?.dataset.program ? current : document.querySelector<HTMLScriptElement>("script[data-program]");
  const { program, api, domain } = script?.dataset ?? {};
  // An inline copy has no src to learn Icodrip's origin from, so it needs data-api.
  return script && program && (api || script.src) && !BOT.test(navigator.userAgent)
    ? {
        program,
        // The file is normally served by Icodrip itself, so its own origin is the API's.
        api: (api || new URL(script.src).origin).replace(/\/+$/, ""),
        domain,
      }
    : null;
};
