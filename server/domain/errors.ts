// The base of every error Icodrip raises on purpose (store, domain, Stripe glue): a stable `code`
// a program can switch on and a message a person can act on. Each kind is its own subclass, so
// the HTTP edge maps kinds to statuses in one place (server/http/errors.ts) by `instanceof`,
// never by comparing code strings, and a new kind without a mapping answers 500 and is logged.

export abstract class IcodripError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
