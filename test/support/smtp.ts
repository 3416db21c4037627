import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server on a free local port for the tests: the product sends through nodemailer
// to SMTP_URL=smtp://127.0.0.1:<port>, and a test awaits the message it expects to arrive.

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
}

export interface LocalSmtp {
  url: string;
  received: ReceivedMail[];
  /** The next mail to `address` (one already received and not yet taken counts). */
  next(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<LocalSmtp> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiting: { address: string; resolve: (m: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((parsed) => {
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? "").toLowerCase()));
          const mail: ReceivedMail = { to, from: parsed.from?.text ?? "", subject: parsed.subject ?? "", text: parsed.text ?? "" };
          received.push(mail);
          const at = waiting.findIndex((w) => to.includes(w.address));
          if (at >= 0) {
            taken.add(mail);
            waiting.splice(at, 1)[0].resolve(mail);
          }
          done();
        })
        .catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    next(address, timeoutMs = 10_000) {
      const want = address.toLowerCase();
      const already = received.find((m) => !taken.has(m) && m.to.includes(want));
      if (already) {
        taken.add(already);
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        // A guard, not a wait: a mail that never comes fails the test with a message.
        const timer = setTimeout(() => reject(new Error(`no mail to ${address} arrived within ${timeoutMs} ms`)), timeoutMs);
        waiting.push({ address: want, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The sign-in link in a mail's text. */
export function linkIn(mail: ReceivedMail): string {
  const found = /https?:\/\/\S+\/portal\/auth\/[A-Za-z0-9_-]+/.exec(mail.text);
  if (!found) throw new Error(`no sign-in link in the mail "${mail.subject}": ${mail.text}`);
  return found[0];
}
