// Where a document came from: the web page (default) or the e-mail channel (src/modules/inbound), whose
// files carry their sender check and may wait UNSORTED until the buyer places them.
import type { Slot } from '../appeals/appeals.rules.ts';

/** A file that arrived by e-mail: the same checks, plus its sender check and, maybe, no slot yet. */
export interface IntakeSource {
  channel: 'EMAIL';
  /** PASS, UNVERIFIED (flagged SENDER_UNVERIFIED) or RELEASED (from quarantine by staff) */
  senderCheck: 'PASS' | 'UNVERIFIED' | 'RELEASED';
  filename: string;
  inboundMailId: string;
  forwarded?: boolean;
  /** store it UNSORTED (checked against `fields.slot`'s rules) for the buyer to place; no last 4 stated */
  unsorted?: { slotGuess: Slot | null; confidence: number };
}

/** The document columns of a source (status UNSORTED when it has no slot yet). */
export function sourceColumns(src: IntakeSource) {
  return {
    source: src.channel,
    senderCheck: src.senderCheck,
    filename: src.filename.slice(0, 255),
    inboundMailId: src.inboundMailId,
    ...(src.unsorted
      ? {
          status: 'UNSORTED' as const,
          slotGuess: src.unsorted.slotGuess,
          slotConfidence: src.unsorted.confidence,
        }
      : {}),
  };
}
