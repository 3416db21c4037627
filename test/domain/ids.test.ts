import { expect, it } from "vitest";
import { CLICK_ID_PATTERN, newClickId, newId, newLinkCode } from "../../server/domain/ids.js";

// Ids draw their bytes from a pool refilled from the CSPRNG (server/domain/ids.ts): across many
// refills no byte may be handed out twice, or two clicks would share an id.

it("never repeats an id across many refills of the random pool", () => {
  const ids = new Set<string>();
  // 11 bytes a click id and 7 a record id, all made in one millisecond: 44 refills of the 8 kB pool.
  for (let i = 0; i < 20_000; i++) ids.add(newClickId(1_796_000_000_000));
  for (let i = 0; i < 20_000; i++) ids.add(newId("cnv", 1_796_000_000_000));
  expect(ids.size).toBe(40_000);
  expect([...ids].slice(0, 20_000).every((id) => CLICK_ID_PATTERN.test(id))).toBe(true);
  expect(newId("whd")).toMatch(/^whd_[A-Za-z0-9_-]{17}$/);
  expect(newLinkCode()).toMatch(/^[a-km-np-z2-9]{8}$/);
});

it.each([
  ["one millisecond apart", 1_796_000_000_000, 1_796_000_000_001],
  ["across a carry of the last character", 63, 64],
  ["across a carry of every character but the first", 64 ** 6 - 1, 64 ** 6],
  ["the epoch and now", 0, 1_796_000_000_000],
  ["now and the year 2100", 1_796_000_000_000, 4_102_444_800_000],
])("makes click and record ids that sort as bytes by the time they were made: %s", (_name, earlier, later) => {
  for (let i = 0; i < 50; i++) {
    const [a, b] = [newClickId(earlier), newClickId(later)];
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(-1);
    expect(Buffer.compare(Buffer.from(newId("cnv", earlier)), Buffer.from(newId("cnv", later)))).toBe(-1);
    expect(a).toMatch(/^icd_[A-Za-z0-9_-]{22}$/);
    expect(a.slice(0, 11)).toBe(newClickId(earlier).slice(0, 11));
  }
});
