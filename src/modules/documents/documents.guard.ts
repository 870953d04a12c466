// The card-data guard of the intake: the full-number rule on every image and PDF, the CVV rule on
// CARD_BACK and the last-4 read on CARD_FRONT, run before and regardless of the other rules' verdicts.
// It fails closed: when the reader cannot give an answer for a card slot or a statement (queue full,
// timeout, crashed engine, unreadable PDF), the upload is refused with SERVICE.BUSY (503, Retry-After)
// and nothing is stored. Nothing here logs or returns digits beyond the last 4.
import type { Deps } from '../../platform/deps.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Slot } from '../appeals/appeals.rules.ts';
import { recordIncident } from '../security/incidents.service.ts';
import { scanPdfText } from './checks.pdf.ts';
import type { CheckResult } from './checks.rules.ts';
import type { CardReading, OcrPool } from './ocr.ts';

/** Pages of a PDF rendered and read by the OCR (the text layer is scanned on every allowed page). */
export const PDF_OCR_PAGES = 4;
/** What the 503 answer suggests: a read takes about a second, a full queue drains in a few. */
export const GUARD_RETRY_AFTER_SECONDS = 10;

/** Slots whose documents may show card data: without an answer from the guard they are not taken. */
export function guardRequired(slot: Slot): boolean {
  return slot === 'CARD_FRONT' || slot === 'CARD_BACK' || slot === 'BILLING_STATEMENT';
}

export interface GuardOutcome {
  /** null when the guard could not run on an ID slot (flagged OCR_UNAVAILABLE instead) */
  reading: CardReading | null;
  unavailable: boolean;
}

function busy(reason: string): AppError {
  return new AppError(
    'SERVICE.BUSY',
    'We could not check this document for card numbers just now, so it was not stored. Please try again in a moment.',
    { retryAfterSeconds: GUARD_RETRY_AFTER_SECONDS, reason },
  );
}

async function readOrUnavailable(
  deps: Pick<Deps, 'logger'>,
  pool: OcrPool,
  image: Buffer,
  slot: Slot,
  readAsCardFront = false,
): Promise<CardReading | { unavailable: string }> {
  try {
    return await pool.read(image, {
      cardFront: slot === 'CARD_FRONT' || readAsCardFront,
      cardBack: slot === 'CARD_BACK',
    });
  } catch (e) {
    if (isAppError(e) && e.code === 'DEPENDENCY.UNAVAILABLE') {
      const reason = String((e.details as { reason?: string })?.reason ?? 'unavailable');
      deps.logger.warn({ slot, reason }, 'OCR unavailable');
      return { unavailable: reason };
    }
    throw e;
  }
}

/** Merges the readings of several pages or passes: any page with a full number or code counts. */
export function mergeReadings(readings: CardReading[]): CardReading {
  const first = readings[0]!;
  return {
    ...first,
    fullNumberDetected: readings.some((r) => r.fullNumberDetected),
    suspiciousDigitRun: readings.some((r) => r.suspiciousDigitRun),
    ms: readings.reduce((s, r) => s + r.ms, 0),
    ...(readings.some((r) => r.cvvVisible !== undefined)
      ? { cvvVisible: readings.some((r) => r.cvvVisible === true) }
      : {}),
  };
}

/** Runs the guard on an image upload (the checker's OCR input). */
export async function guardImage(
  deps: Pick<Deps, 'logger'>,
  pool: OcrPool,
  slot: Slot,
  ocrInput: Buffer,
  second: OcrPool | null = null,
  /** a file of no known slot yet (e-mail): read a covered card number's last 4 too */
  readAsCardFront = false,
): Promise<GuardOutcome> {
  const r = await readOrUnavailable(deps, pool, ocrInput, slot, readAsCardFront);
  if ('unavailable' in r) {
    if (guardRequired(slot)) throw busy(r.unavailable);
    return { reading: null, unavailable: true };
  }
  if (!r.secondOpinion || !second) return { reading: withoutHint(r), unavailable: false };
  // A number-like line without a verdict: tesseract reads the same image. When it cannot (busy), the
  // reader's answer stands: the guard did run.
  const t = await readOrUnavailable(deps, second, ocrInput, slot);
  if ('unavailable' in t) return { reading: withoutHint(r), unavailable: false };
  return {
    reading: {
      ...withoutHint(r),
      fullNumberDetected: r.fullNumberDetected || t.fullNumberDetected,
      suspiciousDigitRun: r.suspiciousDigitRun || t.suspiciousDigitRun,
      last4: r.last4 ?? t.last4,
      ms: r.ms + t.ms,
    },
    unavailable: false,
  };
}

function withoutHint(r: CardReading): CardReading {
  const { secondOpinion: _hint, ...rest } = r;
  return rest;
}

/**
 * Runs the guard on a PDF that passed the pdf rule: the text layer of every allowed page, then the
 * first PDF_OCR_PAGES pages rendered and read (a scanned statement has no text layer).
 */
export async function guardPdf(
  deps: Pick<Deps, 'logger'>,
  pool: OcrPool | null,
  slot: Slot,
  pdf: Buffer,
  opts: { maxPages: number; pageCount: number },
): Promise<GuardOutcome> {
  let text: Awaited<ReturnType<typeof scanPdfText>>;
  try {
    text = await scanPdfText(pdf, { maxPages: opts.maxPages });
  } catch {
    throw busy('pdf_text_scan_failed');
  }
  const textReading: CardReading = {
    last4: null,
    fullNumberDetected: text.fullNumber,
    suspiciousDigitRun: text.suspicious,
    confidence: 100,
    ms: 0,
  };
  if (text.fullNumber || !pool) return { reading: textReading, unavailable: false };
  // documents.view.ts renders pages for the staff preview; the same renderer draws them for the OCR, all
  // in one worker (the next page is drawn while this one is read)
  const { renderPdfPages } = await import('./documents.view.ts');
  const readings: CardReading[] = [textReading];
  const pages = Array.from({ length: Math.min(opts.pageCount, PDF_OCR_PAGES) }, (_, i) => i + 1);
  const drawn = renderPdfPages(pdf, pages);
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await drawn.next();
      } catch {
        throw busy('pdf_render_failed');
      }
      if (next.done) break;
      const r = await readOrUnavailable(deps, pool, next.value, slot);
      if ('unavailable' in r) throw busy(r.unavailable);
      readings.push(r);
      if (r.fullNumberDetected) break;
    }
  } finally {
    await drawn.return(undefined);
  }
  return { reading: mergeReadings(readings), unavailable: false };
}

const CARD_DATA_MESSAGES = {
  full:
    'We can read a full card number in this photo. Cover all digits except the last 4 (for example ' +
    'with a piece of paper) and take the photo again. This photo was not stored.',
  cvv:
    'We can read the security code (the 3 digits beside the signature strip) in this photo. Cover it ' +
    'and take the photo again. This photo was not stored.',
} as const;

/** Refuses an upload that shows card data: nothing stored, the attempt counted, an incident recorded. */
export async function refuseCardData(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config'>,
  upload: { appealId: string; slot: Slot; checks: readonly CheckResult[]; reading: CardReading },
  what: 'full' | 'cvv',
  countAttempt: (failed: CheckResult) => Promise<void>,
): Promise<never> {
  const { appealId, slot, checks, reading } = upload;
  const guard: CheckResult = {
    rule: what === 'full' ? 'card-number' : 'cvv',
    passed: false,
    hard: true,
    measured: what === 'full' ? { fullNumberDetected: true } : { securityCodeDetected: true },
    threshold: what === 'full' ? { fullNumberAllowed: false } : { securityCodeAllowed: false },
    message: CARD_DATA_MESSAGES[what],
  };
  // its own transaction (with the SECURITY/ADMIN alerts and the audit record), outside anything of the
  // upload: the incident stays although the upload is refused; it holds no digits
  await recordIncident(
    deps.prisma,
    {
      appealId,
      slot,
      kind: what === 'full' ? 'FULL_CARD_NUMBER' : 'CVV_VISIBLE',
      detector: 'ocr',
      detail: { confidence: reading.confidence, suspiciousDigitRun: reading.suspiciousDigitRun },
    },
    { now: deps.clock.now(), publicBaseUrl: deps.config.PUBLIC_BASE_URL },
  );
  await countAttempt(guard);
  throw new AppError(
    what === 'full' ? 'DOCUMENT.CARD_NUMBER_VISIBLE' : 'DOCUMENT.CVV_VISIBLE',
    guard.message,
    {
      checks: [...checks, guard],
    },
  );
}
