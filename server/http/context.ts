import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { Workspace } from "../domain/types.js";
import type { Store } from "../store/store.js";

/** What every route needs; built once by createApp and passed down. */
export interface AppContext {
  config: Config;
  store: Store;
  log: Logger;
  now: () => number;
}

declare module "express-serve-static-core" {
  interface Locals {
    workspace: Workspace;
  }
}
