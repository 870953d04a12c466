// GET /api/v1/appeals/:id for staff is scoped like GET /cases/:id: a reviewer sees their own cases and the
// open pool, FINANCE appeals with a refund, LEAD and ADMIN everything; outside the scope 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEnv } from '../support/env.ts';
import type { TestServer } from '../support/http.ts';
import { makeStaff, submittedCase } from '../support/review.ts';
import { type Call, startApiEnv, stopApiEnv } from '../support/api-env.ts';

let env: TestEnv;
let server: TestServer;
let call: Call;

beforeAll(async () => {
  ({ env, server, call } = await startApiEnv());
});
afterAll(() => stopApiEnv(env, server));

describe('GET /api/v1/appeals/:id for staff', () => {
  it('reviewers: own cases and the pool; finance: appeals with a refund; lead: all', async () => {
    await env.deps.prisma.staffUser.updateMany({ data: { active: false } });
    const mine = await makeStaff(env.deps, ['REVIEWER']);
    const appealId = await submittedCase(env.deps, call); // routed to `mine`, the only reviewer
    const routed = await env.deps.prisma.appeal.findUniqueOrThrow({ where: { id: appealId } });
    expect(routed.assigneeId).toBe(mine.id);
    const other = await makeStaff(env.deps, ['REVIEWER']);
    const finance = await makeStaff(env.deps, ['FINANCE']);
    const lead = await makeStaff(env.deps, ['LEAD']);
    const get = (token: string, id = appealId) => call('GET', `/api/v1/appeals/${id}`, { token });

    expect((await get(mine.token)).status).toBe(200);
    const refused = await get(other.token);
    expect([refused.status, refused.body.error.code]).toEqual([404, 'APPEAL.NOT_FOUND']);
    expect((await get(finance.token)).status).toBe(404);
    expect((await get(lead.token)).status).toBe(200);
    // the case view agrees for the other reviewer
    expect((await call('GET', `/api/v1/cases/${appealId}`, { token: other.token })).status).toBe(404);
    // back in the pool (unassigned, open): every reviewer may pick it up, so may read it
    await env.deps.prisma.appeal.update({ where: { id: appealId }, data: { assigneeId: null } });
    expect((await get(other.token)).status).toBe(200);
    expect((await get(other.token, 'not-a-uuid')).status).toBe(404);
  });
});
