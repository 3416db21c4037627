// `icodrip/server`: run Icodrip inside another Node program, or build on its parts.
export { loadConfig, loadDotEnv, ConfigError, type Config } from "./config/config.js";
export { startServer, type RunningServer } from "./serve.js";
export { createApp } from "./http/app.js";
export { openStore } from "./store/open-store.js";
export { Store } from "./store/store.js";
export type * from "./domain/types.js";
