import type { z } from "zod";
import type { errorOut, ApiKeyCreatedOut } from "../../http/present.js";
import type { affiliateCreate, affiliateUpdate, linkCreate, linkUpdate, payoutMethod, programCreate, programUpdate, promoCodeCreate } from "../../http/schemas.js";
import type { attributeBody } from "../../http/routes/activity.js";
import type { passwordBody } from "../../http/routes/account.js";
import type { restrictedKeyBody } from "../../http/routes/integrations.js";

// What the dashboard's scripts send and read, taken from the schemas the server validates and
// answers with. These are type-only imports: the bundler erases them, so no zod reaches the
// browser, while a field the server renames or retypes stops `tsc` in the script that sends it.

/** A body as a form produces it: the server's shape, except that a number input left empty is
 * undefined (left out of the JSON), so the server's answer names the missing field. */
export type FormBody<T> = T extends number
  ? T | undefined
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { [K in keyof T]: FormBody<T[K]> }
      : T;

export type ProgramCreateBody = z.input<typeof programCreate>;
export type ProgramUpdateBody = z.input<typeof programUpdate>;
export type AffiliateUpdateBody = z.input<typeof affiliateUpdate>;
export type LinkUpdateBody = z.input<typeof linkUpdate>;
export type AffiliateCreateBody = z.input<typeof affiliateCreate>;
export type LinkCreateBody = z.input<typeof linkCreate>;
export type PromoCodeCreateBody = z.input<typeof promoCodeCreate>;
export type AttributeBody = z.input<typeof attributeBody>;
export type PasswordBody = z.input<typeof passwordBody>;
export type RestrictedKeyBody = z.input<typeof restrictedKeyBody>;
export type PayoutMethodBody = z.input<typeof payoutMethod>;
export type PortalLinkBody = Pick<LinkCreateBody, "path">;

/** Every failed API call answers {"error":{"code","message","fields?"}}. */
export type ErrorAnswer = z.infer<typeof errorOut>;
export type ApiErrorBody = ErrorAnswer["error"];
export type { ApiKeyCreatedOut };
export type PortalLinkOut = { url: string; expiresAt: string };
