// The buyer's upload allowance. The first round of an appeal has LIMITS.uploadsPerAppeal (30 an hour);
// a more-information round, where only the slots the reviewer asked for can be uploaded, has an allowance
// of its own per round (REQUESTED_SLOT_UPLOADS per requested slot an hour), so a buyer who spent the
// first round's budget can still send the photo the reviewer asked for. A refusal says how long to wait
// (details.retryAfterSeconds and the message, in words, from the catalogue in platform/messages.ts).
import type { Request, RequestHandler } from 'express';
import { LIMITS, type RateLimitDeps, rateLimit } from './rate-limit.ts';
import type { Deps } from '../platform/deps.ts';

/** uploads per requested slot, per more-information round and hour */
export const REQUESTED_SLOT_UPLOADS = { perSlot: 10, windowMs: 60 * 60_000 } as const;

const round = new WeakMap<Request, number>();

export function uploadAllowance(deps: RateLimitDeps & Pick<Deps, 'prisma'>): RequestHandler {
  // requireBuyerOf ran before: only the appeal's own buyer reaches a limiter, nobody else spends it
  const ownBuyer = (req: Request) =>
    req.principal?.kind === 'buyer' && req.principal.appealId === req.params.id
      ? req.principal.appealId
      : null;
  const firstRound = rateLimit(deps, {
    name: 'uploads-per-appeal',
    ...LIMITS.uploadsPerAppeal,
    key: ownBuyer,
  });
  const perRound = new Map<number, RequestHandler>();
  const requested = (slots: number) => {
    let h = perRound.get(slots);
    if (!h) {
      h = rateLimit(deps, {
        name: 'uploads-requested-slots',
        windowMs: REQUESTED_SLOT_UPLOADS.windowMs,
        max: REQUESTED_SLOT_UPLOADS.perSlot * slots,
        key: (req) => {
          const id = ownBuyer(req);
          return id ? `${id}:round-${round.get(req)}` : null;
        },
      });
      perRound.set(slots, h);
    }
    return h;
  };
  return async (req, res, next) => {
    const id = ownBuyer(req);
    if (!id) return firstRound(req, res, next);
    try {
      const a = await deps.prisma.appeal.findUnique({
        where: { id },
        select: { status: true, round: true, requestedSlots: true },
      });
      if (a?.status === 'MORE_INFO_REQUESTED' && a.requestedSlots.length > 0) {
        round.set(req, a.round);
        return requested(a.requestedSlots.length)(req, res, next);
      }
      return firstRound(req, res, next);
    } catch (err) {
      next(err);
    }
  };
}
