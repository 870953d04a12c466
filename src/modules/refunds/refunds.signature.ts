// Signed provider callbacks: with REFUND_PROVIDER_SIGNING_SECRETS set, a request that authenticated with a
// provider Bearer key (REFUND_PROVIDER_KEYS) must also carry `X-Provider-Timestamp` (unix seconds) and
// `X-Provider-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`. The key says who is
// calling; the signature proves the body was not changed and the request is fresh (+-5 minutes), so a
// leaked key alone, or a captured request replayed later, is refused. Same scheme as our outgoing webhooks
// (platform/webhook-signature.ts); every configured secret is tried (rotation), each comparison constant-time.
import type { RequestHandler } from 'express';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors.ts';
import { verifyWebhookSignature } from '../../platform/webhook-signature.ts';

export const PROVIDER_SIGNATURE_HEADER = 'X-Provider-Signature';
export const PROVIDER_TIMESTAMP_HEADER = 'X-Provider-Timestamp';
export const PROVIDER_SIGNATURE_TOLERANCE_SEC = 300;

/** The routes whose raw JSON bytes app.ts keeps for signature checks (matched against req.url). */
export const SIGNED_BODY_PATH = /^\/api\/v1\/refunds\/[^/?#]+\/events(?:[?#]|$)/;

/** Bearer-key provider requests must be signed when signing secrets are configured; others pass. */
export function requireProviderSignature(deps: Deps): RequestHandler {
  return (req, _res, next) => {
    const secrets = deps.config.REFUND_PROVIDER_SIGNING_SECRETS;
    if (req.principal.kind !== 'provider' || secrets.length === 0) return next();
    const timestamp = req.get(PROVIDER_TIMESTAMP_HEADER);
    const signature = req.get(PROVIDER_SIGNATURE_HEADER);
    if (!timestamp || !signature) {
      throw new AppError('AUTH.SIGNATURE_INVALID', 'Provider callbacks must be signed.', {
        headers: [PROVIDER_TIMESTAMP_HEADER, PROVIDER_SIGNATURE_HEADER],
      });
    }
    const nowSec = Math.floor(deps.clock.now().getTime() / 1000);
    const ts = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSec - ts) > PROVIDER_SIGNATURE_TOLERANCE_SEC) {
      throw new AppError(
        'AUTH.SIGNATURE_INVALID',
        'The signature timestamp is missing or outside the allowed window.',
        { toleranceSeconds: PROVIDER_SIGNATURE_TOLERANCE_SEC },
      );
    }
    const body = req.rawBody ?? Buffer.alloc(0);
    // every secret is tried (no early exit), so the time taken does not tell which one matched
    let ok = false;
    for (const secret of secrets) {
      const match = verifyWebhookSignature({
        secret,
        timestamp: ts,
        body,
        signature: signature.slice(0, 1024),
        nowSec,
        toleranceSec: PROVIDER_SIGNATURE_TOLERANCE_SEC,
      });
      ok = match || ok;
    }
    if (!ok) throw new AppError('AUTH.SIGNATURE_INVALID', 'The signature does not match the request.');
    next();
  };
}
