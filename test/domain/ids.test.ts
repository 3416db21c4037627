import { expect, it } from "vitest";
import { CLICK_ID_PATTERN, newClickId, newId, newLinkCode } from "../../server/domain/ids.js";

// Ids draw their bytes from a pool refilled from the CSPRNG (server/domain/ids.ts): across many
// refills no byte may be handed out twice, or two clicks would share an id.

it("never repeats an id across many refills of the random pool", () => {
  const ids = new Set<string>();
  // 16 bytes a click id: 20,000 of them take 40 refills of the 8 kB pool.
  for (let i = 0; i < 20_000; i++) ids.add(newClickId());
  for (let i = 0; i < 20_000; i++) ids.add(newId("cnv"));
  expect(ids.size).toBe(40_000);
  expect([...ids].slice(0, 20_000).every((id) => CLICK_ID_PATTERN.test(id))).toBe(true);
  expect(newId("whd")).toMatch(/^whd_[A-Za-z0-9_-]{16}$/);
  expect(newLinkCode()).toMatch(/^[a-km-np-z2-9]{8}$/);
});
