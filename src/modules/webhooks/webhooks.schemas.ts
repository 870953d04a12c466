import { z } from 'zod';

export const ZWebhookUrl = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .max(2000)
  // credentials in a URL end up in logs and admin views; receivers authenticate us by the signature
  // (refinements run after a failed format check too: an unparsable string is left to that check)
  .refine((u) => {
    if (!URL.canParse(u)) return true;
    const p = new URL(u);
    return p.username === '' && p.password === '';
  }, 'a URL without user:password@');

export const ZCreateWebhookRequest = z.strictObject({ url: ZWebhookUrl });
export type TCreateWebhookRequest = z.infer<typeof ZCreateWebhookRequest>;

export const ZWebhook = z
  .object({ id: z.uuid(), url: z.string(), createdAt: z.iso.datetime() })
  .meta({ id: 'Webhook' });

export const ZCreatedWebhook = ZWebhook.extend({
  secret: z.string().meta({ description: 'HMAC-SHA256 signing secret; shown once, keep it safe' }),
}).meta({ id: 'CreatedWebhook' });

export const ZWebhookList = z.object({ items: z.array(ZWebhook), nextCursor: z.string().nullable() });

export const ZListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const ZIdParams = z.object({ id: z.uuid() });
