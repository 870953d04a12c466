// The OCR pool's contract: what a read returns, its options, and what an engine must provide.
import type { TextCues } from './ocr.cues.ts';

export interface CardReading {
  /** last 4 digits of a masked number, or null when none was read */
  last4: string | null;
  /** a 13-19 digit, Luhn-valid number starting 2-6 was read: reject the upload, store nothing */
  fullNumberDetected: boolean;
  /** a 13-19 digit run in card grouping starting 2-6 but failing Luhn (maybe a misread full number) */
  suspiciousDigitRun: boolean;
  /** tesseract's mean word confidence 0-100 for the reading the result came from */
  confidence: number;
  /** wall time of this read() in ms, queue wait included */
  ms: number;
  /** CARD_BACK reads only (ReadOptions.cardBack): a security code is readable beside the signature strip */
  cvvVisible?: boolean;
  /** line reader only: a number-like line gave no verdict, a second engine should look */
  secondOpinion?: boolean;
  /** line reader only: which document its words suggest (ocr.cues.ts) */
  cues?: TextCues;
}

export interface ReadOptions {
  /** overrides the pool's timeoutMs for this read */
  timeoutMs?: number;
  /** overrides the pool's rotationBudgetMs for this read (e.g. retries for card slots only) */
  rotationBudgetMs?: number;
  /** the image is a card front: read the last 4 of a covered number too (line reader) */
  cardFront?: boolean;
  /** the image is a card back: look for the security code (line reader); adds `cvvVisible` */
  cardBack?: boolean;
}

export interface OcrPool {
  read(image: Buffer, opts?: ReadOptions): Promise<CardReading>;
  close(): Promise<void>;
  stats(): { busy: number; queued: number };
}

/** What the pool needs from an OCR engine; the default wraps a tesseract.js worker. Tests inject fakes. */
export interface OcrEngine {
  recognize(png: Buffer): Promise<{ text: string; confidence: number }>;
  terminate(): Promise<void>;
  /**
   * Line readers take the image as it is and apply the text rules themselves (in their own thread), so
   * no text reaches the pool: the pool then skips its tesseract preprocessing and `recognize`.
   */
  analyse?(image: Buffer, opts: { cardFront: boolean; cardBack: boolean }): Promise<EngineAnalysis>;
}

export interface EngineAnalysis {
  last4: string | null;
  full: boolean;
  suspicious: boolean;
  cvv: boolean;
  uncertain?: boolean;
  confidence: number;
  cues?: TextCues;
}
/** Starts one engine; `onCrash` must be called if the engine dies on its own. */
export type OcrEngineFactory = ((onCrash: (why: string) => void) => Promise<OcrEngine>) & {
  /** its engines implement analyse(): the pool hands them the image and gets the verdicts back */
  lineReader?: boolean;
};

export type OcrUnavailableReason =
  | 'queue_full'
  | 'timeout'
  | 'worker_crashed'
  | 'worker_start_failed'
  | 'closed';

export interface OcrPoolOptions {
  /** number of tesseract workers, started on demand (one per concurrently running read) */
  workers: number;
  /** reads allowed to wait for a worker; one more is rejected at once with reason 'queue_full' */
  maxQueue: number;
  /** folder holding eng.traineddata.gz with the legacy engine; default: @tesseract.js-data/eng/4.0.0 */
  langPath?: string;
  /** per-read deadline from the read() call, queue wait included; default 10 s */
  timeoutMs?: number;
  /**
   * Blind retries: when neither the straightened nor the upright image reads anything card-like, try
   * the image upside down and sideways (180, 90, -90), then at -8, +8, -15, +15 degrees, as long as the
   * retries have taken less than this many ms (the next one is predicted to cost what the last attempt
   * did). Default 0 = off: with the skew estimate in place the small angles changed no result on the
   * synthetic set, and every image without a readable number (ID documents, card backs, statements)
   * would pay up to 7 more tesseract passes (0.2-1 s each on 2 cores). Turn it on (e.g. 1500) to catch
   * cards photographed upside down or sideways, which the upright passes do not read.
   */
  rotationBudgetMs?: number;
  /** a worker start taking longer than this fails the reads waiting for it; default 30 s */
  startTimeoutMs?: number;
  engineFactory?: OcrEngineFactory;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}
