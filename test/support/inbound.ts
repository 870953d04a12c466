// Senders for the e-mail channel's tests: nodemailer (what a standard client sends) and a plain SMTP
// client over a raw socket (exact commands and answers), both to the inbound listener on loopback.
import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import nodemailer from 'nodemailer';
import type { ReceivedMail, TestSmtpServer } from './smtp.ts';
import { waitUntil } from './wait.ts';

export function sender(port: number, dkim?: { domainName: string; keySelector: string; privateKey: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 5_000,
    ...(dkim ? { dkim } : {}),
  } as never);
}

/** An RSA key pair and the DKIM TXT record publishing it. */
export function dkimKey(): { privateKey: string; record: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `v=DKIM1; k=rsa; p=${spki}`,
  };
}

/**
 * Speaks SMTP line by line: sends each command, collects each answer (multi-line answers joined).
 * `data` is sent after a 354 and ended with CRLF.CRLF.
 */
export async function rawSmtp(
  port: number,
  script: { cmd: string; data?: Buffer | string }[],
): Promise<string[]> {
  const sock = net.connect(port, '127.0.0.1');
  const answers: string[] = [];
  let buf = '';
  let wake: (() => void) | null = null;
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    wake?.();
  });
  const next = async (): Promise<string> => {
    for (;;) {
      const lines = buf.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!)) {
          const answer = lines.slice(0, i + 1).join('\n');
          buf = lines.slice(i + 1).join('\r\n');
          return answer;
        }
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 5_000);
      });
    }
  };
  answers.push(await next()); // greeting
  for (const step of script) {
    sock.write(`${step.cmd}\r\n`);
    const a = await next();
    answers.push(a);
    if (step.data !== undefined && a.startsWith('354')) {
      const body = Buffer.isBuffer(step.data) ? step.data : Buffer.from(step.data);
      // dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets another
      sock.write(Buffer.from(body.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1'));
      sock.write('\r\n.\r\n');
      answers.push(await next());
    }
  }
  sock.end();
  return answers;
}

/** Polls until `fn` gives a value or `ms` pass; the caller asserts the final state, not the time. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 90_000,
): Promise<T> {
  return waitUntil(what, fn, ms, 150);
}

/** The channel's answers to `address` (Auto-Submitted: auto-replied; other product mail is auto-generated). */
export function answersTo(smtp: TestSmtpServer, address: string): ReceivedMail[] {
  return smtp.received.filter(
    (m) => m.envelopeTo.includes(address) && m.parsed.headers.get('auto-submitted') === 'auto-replied',
  );
}
