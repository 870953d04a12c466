// SLA timers as a subscriber of the appeal's events (issue 14): when an appeal is submitted, resubmitted
// or (re)assigned, its deadlines (set by the transition on the appeal row) get their wake-up calls. The
// subscriber writes one 'sla.schedule' outbox row in the transition's transaction; the relay turns it into
// the job that adds the delayed jobs (sla.worker.ts). Adding is idempotent (deterministic job ids), the
// delivery record makes it once per event, and the minute sweep restores any timer that was lost.
import type { Subscriber } from '../../platform/events.ts';
import { writeOutbox, writeOutboxMany } from '../../platform/outbox.ts';

export const slaSubscriber: Subscriber = {
  name: 'sla',
  events: ['appeal.submitted', 'appeal.resubmitted', 'appeal.assigned'],
  async handle(tx, event) {
    await writeOutbox(tx, 'sla.schedule', { appealId: event.appealId });
  },
  // the router's batch: one row per event, in one statement
  async handleMany(tx, events) {
    await writeOutboxMany(
      tx,
      'sla.schedule',
      events.map((e) => ({ appealId: e.appealId })),
    );
  },
};
