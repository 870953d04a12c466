// A real SMTP server on loopback (smtp-server) that parses what it accepts (mailparser), for tests that
// must see exactly what a mail server sees: envelope, headers, both bodies. It can reject recipients
// (permanent 5xx or temporary 4xx, decided per address), and stop and start again on the same port to
// play an outage.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
  /** the Message-ID header as sent, with its angle brackets */
  messageId: string;
}

export interface RcptAnswer {
  code: number;
  message: string;
}

export interface TestSmtpServer {
  port: number;
  /** smtp://127.0.0.1:<port> */
  url: string;
  received: ReceivedMail[];
  /** every RCPT TO seen, accepted or not (counts delivery attempts) */
  rcptAttempts: string[];
  /** return an answer to refuse a recipient, or null to accept it */
  rejectRecipient: (address: string) => RcptAnswer | null;
  /** resolves once `n` messages in total have been received */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
  /** listens again on the same port */
  start(): Promise<void>;
  countByMessageId(): Map<string, number>;
}

export async function startSmtpServer(port = 0): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const rcptAttempts: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let server: SMTPServer | null = null;

  const self: TestSmtpServer = {
    port,
    url: '',
    received,
    rcptAttempts,
    rejectRecipient: () => null,
    waitFor: (n, timeoutMs = 20_000) =>
      new Promise<ReceivedMail[]>((resolve, reject) => {
        if (received.length >= n) return resolve(received);
        const timer = setTimeout(
          () =>
            reject(new Error(`SMTP test server: ${received.length} of ${n} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      }),
    stop: async () => {
      const s = server;
      server = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    start: async () => {
      server = build();
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(self.port, '127.0.0.1', () => resolve());
      });
      self.port = (s.server.address() as AddressInfo).port;
      self.url = `smtp://127.0.0.1:${self.port}`;
    },
    countByMessageId: () => {
      const m = new Map<string, number>();
      for (const r of received) m.set(r.messageId, (m.get(r.messageId) ?? 0) + 1);
      return m;
    },
  };

  function build(): SMTPServer {
    const server = new SMTPServer({
      // plain SMTP on loopback: no TLS upgrade, no login
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      // a closing server must not wait for pooled client connections to say QUIT
      closeTimeout: 200,
      onRcptTo(address, _session, callback) {
        rcptAttempts.push(address.address);
        const answer = self.rejectRecipient(address.address);
        if (!answer) return callback();
        const err = Object.assign(new Error(answer.message), { responseCode: answer.code });
        callback(err);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              const header = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(raw);
              received.push({
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                messageId: header?.[1] ?? '',
              });
              for (const w of [...waiters]) {
                if (received.length >= w.n) {
                  waiters.splice(waiters.indexOf(w), 1);
                  w.resolve();
                }
              }
              callback(null, `2.0.0 Ok: queued as test-${received.length}`);
            })
            .catch((e: Error) => callback(e));
        });
      },
    });
    // a client killed mid-session (fault tests) resets its socket: not the test server's failure
    server.on('error', () => {});
    return server;
  }

  await self.start();
  return self;
}
