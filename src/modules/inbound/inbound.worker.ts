// The queue handler of `inbound.process` (an outbox topic: the row is written with the mail's row,
// before the SMTP server answers 250).
import type { OutboxHandler } from '../../platform/jobs.ts';
import { processInboundMail } from './inbound.process.ts';

export const inboundProcessHandler: OutboxHandler<'inbound.process'> = async (payload, ctx) => {
  const deps = ctx.deps;
  // the same guard as a My Appeal upload: the line reader, and tesseract on a line it had no verdict on
  await processInboundMail(deps, payload.inboundMailId);
};
