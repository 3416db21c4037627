import { pino, type Logger } from "pino";

// Structured JSON logs. Anything that could carry a secret is censored by path, and code never
// logs tokens, keys or raw bodies in the first place.
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "icodrip" },
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["stripe-signature"]',
        "*.apiKey",
        "*.password",
        "*.secret",
        "*.token",
        "*.accessToken",
        "*.access_token",
        "*.refresh_token",
        "*.restrictedKey",
        "*.sealedToken",
        "*.sealedSecret",
      ],
      censor: "[redacted]",
    },
  });
}
