import { IcodripError } from "../domain/errors.js";

// A list cursor is the position (score, member) of the last item handed out, opaque to clients.

export function encodeCursor(position: { score: number; member: string }): string {
  return Buffer.from(JSON.stringify([position.score, position.member])).toString("base64url");
}

export class InvalidCursorError extends IcodripError {
  readonly code = "invalid_cursor";
  constructor() {
    super("The cursor is not one this API handed out; start again without it.");
  }
}

export function decodeCursor(cursor: string): { score: number; member: string } {
  try {
    const [score, member] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof score === "number" && Number.isFinite(score) && typeof member === "string") return { score, member };
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError();
}
