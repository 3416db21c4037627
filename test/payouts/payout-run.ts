import { createPayouts } from "../../server/payouts/service.js";
import { openAt, type StoreLocation } from "../support/stores.js";

// A payout run in a process of its own, as another instance of Icodrip would make it: it prints
// a line as each payout is committed, so the test can kill it mid-run (SIGKILL: no clean-up).
// Usage: tsx test/payouts/payout-run.ts '<store location JSON>' <workspaceId>

const [location, workspaceId] = process.argv.slice(2);
const store = await openAt(JSON.parse(location) as StoreLocation);
await createPayouts(store, workspaceId, { onCreated: (p) => process.stdout.write(`created ${p.id}\n`) }, Date.now());
process.stdout.write("done\n");
await store.close();
