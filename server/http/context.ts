import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { Workspace } from "../domain/types.js";
import type { Store } from "../store/store.js";
import type { Mailer } from "../mail/mailer.js";
import type { LinkCache } from "../tracking/link-cache.js";
import type { SignedIn } from "./session.js";

/** What every route needs; built once by createApp and passed down. */
export interface AppContext {
  config: Config;
  store: Store;
  log: Logger;
  now: () => number;
  mailer: Mailer;
  /** what tracking-link codes resolve to, cached per instance (tracking/link-cache.ts) */
  links: LinkCache;
}

declare module "express-serve-static-core" {
  interface Locals {
    workspace: Workspace;
    /** set when the request was authenticated by the session cookie rather than an API key */
    signedIn?: SignedIn;
  }
}
