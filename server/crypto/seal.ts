import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { IcodripError } from "../domain/errors.js";

// Tokens and signing secrets at rest are sealed with AES-256-GCM under a key derived from
// ICODRIP_SECRET (HKDF-SHA256, one key per purpose). The sealed form is
// v1.<iv>.<tag>.<ciphertext> in base64url; the purpose is authenticated, so a value sealed for
// one use cannot be opened as another.

export type SealPurpose = "stripe-token" | "webhook-secret";

export class SealError extends IcodripError {
  readonly code = "unseal_failed";
  constructor() {
    super("A sealed value could not be opened: ICODRIP_SECRET changed since it was stored. Restore the old secret, or reconnect Stripe.");
  }
}

// Webhook secrets are opened on every delivery, so each derived key is made once per process.
const derived = new Map<string, Buffer>();

function keyFor(secret: string, purpose: SealPurpose): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "icodrip-seal", purpose, 32));
    derived.set(id, key);
  }
  return key;
}

const TAG_BYTES = 16;

export function seal(secret: string, purpose: SealPurpose, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(secret, purpose), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
}

export function unseal(secret: string, purpose: SealPurpose, sealed: string): string {
  const parts = sealed.split(".");
  const [version, iv, tag] = parts;
  const body = parts.at(3); // undefined when a sealed value from outside has fewer parts

  if (version !== "v1" || !iv || !tag || body === undefined) throw new SealError();
  // GCM accepts tags as short as 4 bytes unless told otherwise, and a short tag is far easier to
  // forge; seal() always writes 16 bytes, so anything else is refused before and inside decipher.
  const tagBytes = Buffer.from(tag, "base64url");
  if (tagBytes.length !== TAG_BYTES) throw new SealError();
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFor(secret, purpose), Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError();
  }
}
