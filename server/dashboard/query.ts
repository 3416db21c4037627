import { z } from "zod";
import { decodeCursor } from "../store/cursor.js";

// Filters arrive in the page's URL, where anyone can type anything. A value that is not one the
// page offers is dropped (the page shows everything) rather than answered with an error page.

export const pageCursor = z
  .string()
  .max(500)
  .refine((c) => {
    try {
      decodeCursor(c);
      return true;
    } catch {
      return false;
    }
  })
  .optional()
  .catch(undefined);

/** One of the listed values, else nothing. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values).optional().catch(undefined);

/** An id such as a program's, else nothing. */
export const anId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional().catch(undefined);
