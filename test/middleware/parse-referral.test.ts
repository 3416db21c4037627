import { describe, expect, it } from "vitest";
import { parseReferral } from "../../middleware/index.js";

const longest = `icd_${"a".repeat(196)}`;
// RFC 5321's 254-character ceiling, exactly, and one past it.
const email254 = `a@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${"e".repeat(56)}.com`;
const email255 = `a${email254}`;

describe("parseReferral", () => {
  it("has boundary emails of the intended lengths", () => {
    expect([email254.length, email255.length]).toEqual([254, 255]);
  });

  it.each([
    ["a click id", "icd_abc123", { clickId: "icd_abc123" }],
    ["every allowed character", "icd_AZaz09_-", { clickId: "icd_AZaz09_-" }],
    ["a 200-character click id", longest, { clickId: longest }],
    ["an encoded email", "icd_abc:visitor%40example.com", { clickId: "icd_abc", email: "visitor@example.com" }],
    ["a plus address", `icd_abc:${encodeURIComponent("a.b+tag@mail.example.co.uk")}`, { clickId: "icd_abc", email: "a.b+tag@mail.example.co.uk" }],
    ["an unencoded @", "icd_abc:visitor@example.com", { clickId: "icd_abc", email: "visitor@example.com" }],
    ["a 254-character email", `icd_abc:${encodeURIComponent(email254)}`, { clickId: "icd_abc", email: email254 }],
    ["a punycode domain", "icd_abc:x%40xn--bcher-kva.xn--tckwe", { clickId: "icd_abc", email: "x@xn--bcher-kva.xn--tckwe" }],
  ])("accepts %s", (_name, value, expected) => {
    expect(parseReferral(value)).toEqual(expected);
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
    ["the wrong prefix", "ref_abc123"],
    ["an uppercase prefix", "ICD_abc123"],
    ["the prefix alone", "icd_"],
    ["a dot", "icd_abc.def"],
    ["a space", "icd_abc def"],
    ["a 201-character click id", `${longest}a`],
    ["a cookie separator", "icd_a;b"],
    ["a query string", "icd_a&client_reference_id=evil"],
    ["a header break", "icd_a\r\nX-Evil: 1"],
    ["non-ASCII", "icd_abcé"],
    ["leading whitespace", " icd_abc"],
    ["an empty email", "icd_abc:"],
    ["broken percent-encoding", "icd_abc:visitor%4"],
    ["an invalid UTF-8 sequence", "icd_abc:%E0%A4%A"],
    ["an email without @", "icd_abc:visitor.example.com"],
    ["an email with two @", "icd_abc:a%40b%40example.com"],
    ["an email without a domain dot", "icd_abc:visitor%40localhost"],
    ["an email with spaces", `icd_abc:${encodeURIComponent("a b@example.com")}`],
    ["an encoded header break", "icd_abc:a%40example.com%0D%0ABcc%3A%20x%40evil.com"],
    ["markup in the email", `icd_abc:${encodeURIComponent("<script>@example.com")}`],
    ["a quoted local part", `icd_abc:${encodeURIComponent('"a b"@example.com')}`],
    ["a leading dot", `icd_abc:${encodeURIComponent(".a@example.com")}`],
    ["a double dot", `icd_abc:${encodeURIComponent("a..b@example.com")}`],
    ["a numeric top-level domain", `icd_abc:${encodeURIComponent("a@10.0.0.1")}`],
    ["a 65-character local part", `icd_abc:${encodeURIComponent(`${"a".repeat(65)}@example.com`)}`],
    ["a 255-character email", `icd_abc:${encodeURIComponent(email255)}`],
    ["an over-long value", `icd_abc:${"%41".repeat(400)}%40example.com`],
    ["a second colon", "icd_abc:visitor%40example.com:extra"],
  ])("rejects %s", (_name, value) => {
    expect(parseReferral(value)).toBeNull();
  });
});
