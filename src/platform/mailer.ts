// nodemailer transport chosen by config: SMTP_URL -> pooled SMTP with short timeouts; otherwise every
// message is written as an .eml file under DATA_DIR/mail (development), and its path is logged.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Logger } from './logger.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  response: string;
  file?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

export function createMailer(
  config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'DATA_DIR'>,
  logger: Logger,
): Mailer {
  if (config.SMTP_URL) {
    // nodemailer's defaults wait minutes (2 min connect, 10 min socket); a stuck server must not hold workers.
    const transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: 3,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 15_000,
      dnsTimeout: 5_000,
    } as never);
    return {
      send: async (m) => {
        const info = await transport.sendMail({ from: config.MAIL_FROM, ...m });
        return { messageId: info.messageId, response: String(info.response ?? '') };
      },
      close: () => transport.close(),
    };
  }
  const dir = path.join(config.DATA_DIR, 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    send: async (m) => {
      const info = await transport.sendMail({ from: config.MAIL_FROM, ...m });
      await mkdir(dir, { recursive: true });
      const safeId = info.messageId.replace(/[^A-Za-z0-9@._-]/g, '');
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${safeId}.eml`);
      await writeFile(file, info.message as Buffer);
      logger.info({ file }, 'e-mail written to file (no SMTP_URL set)');
      return { messageId: info.messageId, response: 'written to file', file };
    },
    close: () => {},
  };
}
