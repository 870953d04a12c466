// Ports of the buyer's appeal view (issue 14): facts another module owns that the view shows, installed
// once per process at the composition root (src/subscribers.ts) so the appeals module imports no other
// capability module. Reading the view before they are installed throws: a forgotten installation fails
// loudly instead of showing a wrong "overdue".
import type { RefundStatus } from '../../generated/prisma/enums.ts';

export interface AppealViewPorts {
  /** the refund module's rule (SPEC section 5): not SETTLED by dueBy */
  refundOverdue(refund: { status: RefundStatus; dueBy: Date }, now: Date): boolean;
}

let installed: AppealViewPorts | null = null;

export function installAppealViewPorts(ports: AppealViewPorts): void {
  installed = ports;
}

export function appealViewPorts(): AppealViewPorts {
  if (!installed) {
    throw new Error(
      'appeal view ports not installed: call installAppSubscribers (src/subscribers.ts) at startup',
    );
  }
  return installed;
}
