// The inbound SMTP (or LMTP) listener: accepts mail for SECURITY_MAILBOX (and its +<ref> sub-addresses)
// only, so it is never a relay; refuses a message over INBOUND_MAX_BYTES with 552 after reading it (SMTP
// cannot refuse earlier) and keeps nothing of it; answers 250 only once the raw message is stored and its
// job recorded (inbound.store.ts). STARTTLS is offered when INBOUND_TLS_KEY and INBOUND_TLS_CERT are set.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Deps } from '../../platform/deps.ts';
import { documentStorage } from '../../platform/document-storage.ts';
import { isOurMailbox } from '../../platform/mail-ref.ts';
import { storeReceivedMail } from './inbound.store.ts';

export interface InboundListener {
  port: number;
  host: string;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startInboundListener(
  deps: Pick<Deps, 'prisma' | 'clock' | 'logger' | 'config'>,
  opts: { port?: number; host?: string } = {},
): Promise<InboundListener> {
  const c = deps.config;
  const storage = documentStorage(c);
  const maxBytes = c.INBOUND_MAX_BYTES;
  const tls = c.INBOUND_TLS_KEY && c.INBOUND_TLS_CERT;
  const log = deps.logger.child({ component: 'inbound-smtp' });
  const server = new SMTPServer({
    lmtp: c.INBOUND_LMTP,
    name: new URL(c.PUBLIC_BASE_URL).hostname,
    banner: 'Appeal desk security mailbox',
    size: maxBytes,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ? { key: readFileSync(c.INBOUND_TLS_KEY!), cert: readFileSync(c.INBOUND_TLS_CERT!) } : {}),
    logger: false,
    maxClients: 50,
    socketTimeout: 60_000,
    onRcptTo(address, _session, callback) {
      if (isOurMailbox(address.address, c.SECURITY_MAILBOX)) return callback();
      // never a relay, and no hint about which addresses exist
      callback(smtpError(550, '5.1.1 Mailbox unavailable: this server accepts mail for one address only'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // past the limit nothing more is kept in memory; the rest is drained and refused
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(smtpError(451, `4.3.0 ${err.message}`)));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded || size > maxBytes) {
          log.info({ bytes: size }, 'inbound mail refused: over INBOUND_MAX_BYTES');
          return callback(smtpError(552, `5.3.4 Message too big: the limit is ${maxBytes} bytes`));
        }
        const raw = Buffer.concat(chunks);
        storeReceivedMail(deps, storage, raw, {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          remoteAddress: session.remoteAddress,
          helo: session.hostNameAppearsAs ?? '',
        })
          .then((r) => {
            log.info(
              { inboundMailId: r.id, duplicate: r.kind === 'duplicate', bytes: raw.length },
              'inbound mail accepted',
            );
            callback(null, r.kind === 'duplicate' ? 'Already received, thank you' : `Queued as ${r.id}`);
          })
          .catch((err: Error) => {
            log.warn({ err: err.message }, 'inbound mail could not be stored; answered 451');
            callback(smtpError(451, '4.3.0 Temporary failure, please try again later'));
          });
      });
    },
  });
  server.on('error', (err) => log.warn({ err: err.message }, 'inbound SMTP server error'));
  const host = opts.host ?? c.INBOUND_SMTP_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? c.INBOUND_SMTP_PORT ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host, port, lmtp: c.INBOUND_LMTP, starttls: Boolean(tls) }, 'inbound mail listener started');
  return {
    port,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
