import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";

// Mail the server sends (affiliates' sign-in links). With SMTP_URL it goes by SMTP through
// nodemailer; without, the message is written to the log, so a single-machine install without a
// mail server can still hand a link over (the log then holds a working sign-in link: it is meant
// for development and trials, and the README says so).

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export function createMailer(config: Config, log: () => Logger): Mailer {
  const { smtpUrl, from } = config.mail;
  if (!smtpUrl) {
    return {
      send(mail) {
        log().info({ mail: { to: mail.to, subject: mail.subject, text: mail.text } }, "mail (SMTP_URL is not set, so it is written here instead of sent)");
        return Promise.resolve();
      },
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
