// Bulk actions of a lead (POST /api/v1/cases/bulk, issue 19): each case goes through the same service
// function as its single-case route (assignCase, escalateCase), one after the other, each in its own
// transaction with its own audit record. A case that fails is reported with its error and leaves nothing
// behind (its transaction rolled back); the others are not affected. No bulk action can approve: approval
// is a decision on one case (decideCase), behind the four-eyes gate of review.approve.ts.
import type { Deps } from '../../platform/deps.ts';
import { AppError, type ErrorCode, isAppError, isDependencyDown } from '../../platform/errors.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { assignCase } from './review.assign.ts';
import { caseIdOr404 } from './review.cases.ts';
import { escalateCase } from './review.escalate.ts';

export const BULK_ACTIONS = ['assign', 'reassign', 'return-to-pool', 'escalate'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const BULK_MAX_CASES = 100;

export interface BulkInput {
  action: BulkAction;
  caseIds: string[];
  assigneeId?: string | undefined;
  leadId: string;
  source?: AuditSource;
}

export interface BulkFailure {
  caseId: string;
  error: { code: ErrorCode; message: string; details?: unknown };
}

type BulkDeps = Pick<Deps, 'prisma' | 'clock' | 'queues' | 'config' | 'logger'>;

function one(deps: BulkDeps, input: BulkInput, appealId: string) {
  const common = { appealId, leadId: input.leadId, ...(input.source ? { source: input.source } : {}) };
  switch (input.action) {
    case 'assign':
    case 'reassign':
      if (!input.assigneeId) throw new AppError('REQUEST.INVALID', `${input.action} needs an assigneeId.`);
      return assignCase(deps, {
        ...common,
        reviewerId: input.assigneeId,
        expect: input.action === 'assign' ? 'UNASSIGNED' : 'ASSIGNED',
      });
    case 'return-to-pool':
      return assignCase(deps, { ...common, reviewerId: null, expect: 'ASSIGNED' });
    case 'escalate':
      return escalateCase(deps, common);
  }
}

/** Runs the action on every case in the order given; returns what succeeded and what failed, and why. */
export async function bulkCaseAction(deps: BulkDeps, input: BulkInput) {
  const succeeded: ({ caseId: string } & Record<string, unknown>)[] = [];
  const failed: BulkFailure[] = [];
  for (const caseId of input.caseIds) {
    try {
      const out = await one(deps, input, caseIdOr404(caseId));
      succeeded.push({ caseId, ...out });
    } catch (e) {
      if (isAppError(e)) {
        failed.push({
          caseId,
          error: {
            code: e.code,
            message: e.message,
            ...(e.details === undefined ? {} : { details: e.details }),
          },
        });
        continue;
      }
      const down = isDependencyDown(e);
      deps.logger.error({ err: e, caseId, action: input.action }, 'bulk case action failed');
      failed.push({
        caseId,
        error: down
          ? {
              code: 'DEPENDENCY.UNAVAILABLE',
              message: 'A service we depend on is unavailable; try again shortly.',
            }
          : { code: 'INTERNAL', message: 'Something went wrong on our side.' },
      });
    }
  }
  return { action: input.action, succeeded, failed };
}
