// Review as a subscriber of the appeal's events (issue 14): a submitted or resubmitted appeal is handed to
// routing as one 'case.route' outbox row, in the transaction of the transition (appeals.service no longer
// knows about routing). The relay turns the row into the routing job (review.worker.ts).
import type { Subscriber } from '../../platform/events.ts';
import { writeOutbox } from '../../platform/outbox.ts';

export const reviewSubscriber: Subscriber = {
  name: 'review',
  events: ['appeal.submitted', 'appeal.resubmitted'],
  async handle(tx, event) {
    await writeOutbox(tx, 'case.route', { appealId: event.appealId });
  },
};
