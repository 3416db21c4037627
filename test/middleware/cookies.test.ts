import { describe, expect, it } from "vitest";
import { cookieValues } from "../../middleware/cookies.js";

describe("cookieValues", () => {
  it.each([
    ["no header", undefined, []],
    ["the only cookie", "icodrip_ref=icd_a", ["icd_a"]],
    ["among others", "a=1; icodrip_ref=icd_a:x%40y.co; b=2", ["icd_a:x%40y.co"]],
    ["without spaces", "a=1;icodrip_ref=icd_a", ["icd_a"]],
    ["every occurrence, in order", "icodrip_ref=one; icodrip_ref=two", ["one", "two"]],
    ["a quoted value", 'icodrip_ref="icd_a"', ["icd_a"]],
    ["a value holding =", "icodrip_ref=a=b", ["a=b"]],
    ["not a name that merely contains it", "xicodrip_ref=1; icodrip_refx=2; ICODRIP_REF=3", []],
    ["not a pair without =", "icodrip_ref; other=1", []],
  ])("%s", (_name, header, expected) => {
    expect(cookieValues(header, "icodrip_ref")).toEqual(expected);
  });
});
