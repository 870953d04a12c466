// The audit trail's shard chains (issue 18): records about an appeal go to the appeal's shard chain with
// its head row in audit_chain_heads; verification catches an edited, deleted (also the newest of a chain)
// or reordered record, and a record moved to another chain. Chain 0 is covered by audit.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_SHARDS,
  appendAudit,
  appendAuditBatch,
  auditChainOf,
  GENESIS_HASH,
  verifyAuditChain,
} from '../../src/modules/audit/audit.service.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

/** What a superuser can do (triggers skipped in replica mode); the application role cannot. */
async function tamper(sql: string) {
  await env.deps.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    await tx.$executeRawUnsafe(sql);
  });
}

beforeEach(async () => {
  await tamper('TRUNCATE audit_log RESTART IDENTITY');
  await tamper(`UPDATE audit_chain_heads SET seq = 0, last_id = 0, hash = repeat('0', 64)`);
});

/** Two appeal ids on different shard chains. */
function twoAppeals(): [string, string] {
  const a = randomUUID();
  for (;;) {
    const b = randomUUID();
    if (auditChainOf(b) !== auditChainOf(a)) return [a, b];
  }
}

const entry = (appealId: string, i: number) => ({
  at: new Date(Date.UTC(2026, 2, 2, 9, 0, 0, i)),
  actor: { type: 'SYSTEM' as const, id: 'router', label: 'router' },
  action: `STEP_${i}`,
  appealId,
  data: { n: i },
});

describe('audit shard chains', () => {
  it('an appeal record goes to its shard chain with seq 1, 2, ...; the head row follows; chain 0 untouched', async () => {
    const [a, b] = twoAppeals();
    expect(auditChainOf(a)).toBeGreaterThanOrEqual(1);
    expect(auditChainOf(a)).toBeLessThanOrEqual(AUDIT_SHARDS);
    expect(auditChainOf(null)).toBe(0);
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(a, i));
    await appendAudit(env.deps.prisma, entry(b, 9));
    await appendAudit(env.deps.prisma, { ...entry(a, 5), appealId: null });
    const rows = await env.deps.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    const ofA = rows.filter((r) => r.appealId === a);
    expect(ofA.map((r) => [r.chain, r.seq])).toEqual([1n, 2n, 3n].map((s) => [auditChainOf(a), s]));
    expect(ofA[0]!.prevHash).toBe(GENESIS_HASH);
    expect(ofA[1]!.prevHash).toBe(ofA[0]!.hash);
    const zero = rows.find((r) => r.appealId === null)!;
    expect([zero.chain, zero.seq, zero.prevHash]).toEqual([0, null, GENESIS_HASH]);
    const [head] = await env.deps.prisma.$queryRaw<{ seq: bigint; hash: string; last_id: bigint }[]>`
      SELECT seq, hash, last_id FROM audit_chain_heads WHERE chain = ${auditChainOf(a)}`;
    expect(head).toEqual({ seq: 3n, hash: ofA[2]!.hash, last_id: ofA[2]!.id });
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({ ok: true, checked: 5, headHash: zero.hash });
  });

  it('40 concurrent appends over 8 appeals never fork a chain; a batch appends across chains at once', async () => {
    const appeals = Array.from({ length: 8 }, () => randomUUID());
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => appendAudit(env.deps.prisma, entry(appeals[i % 8]!, i))),
    );
    const written = await env.deps.prisma.$transaction((tx) =>
      appendAuditBatch(tx, [
        entry(appeals[0]!, 100),
        { ...entry(appeals[1]!, 101), appealId: null },
        entry(appeals[2]!, 102),
      ]),
    );
    expect(written).toHaveLength(3);
    const rows = await env.deps.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(43);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(43 - new Set(rows.map((r) => r.chain)).size + 1);
    expect(rows.find((r) => r.action === 'STEP_101')).toMatchObject({ chain: 0, seq: null });
    expect(await verifyAuditChain(env.deps.prisma, { batch: 7 })).toMatchObject({ ok: true, checked: 43 });
  });

  it('detects an edited record and a record moved to another chain (HASH_MISMATCH)', async () => {
    const [a, b] = twoAppeals();
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(a, i));
    await tamper(`UPDATE audit_log SET data = '{"n": 7}' WHERE id = 2`);
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: false,
      checked: 2,
      firstBadId: '2',
      reason: 'HASH_MISMATCH',
      chain: auditChainOf(a),
    });
    // the last record of a moved to b's chain, where it links (b's chain is empty: genesis, seq 1)
    await tamper(`UPDATE audit_log SET data = '{"n": 1}' WHERE id = 2`);
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true });
    await tamper(
      `UPDATE audit_log SET chain = ${auditChainOf(b)}, seq = 1, prev_hash = '${GENESIS_HASH}' WHERE id = 3`,
    );
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({
      ok: false,
      firstBadId: '3',
      reason: 'HASH_MISMATCH',
      chain: auditChainOf(b),
    });
  });

  it('detects a deleted record in the middle of a chain (BROKEN_LINK)', async () => {
    const [a] = twoAppeals();
    for (let i = 0; i < 4; i++) await appendAudit(env.deps.prisma, entry(a, i));
    await tamper('DELETE FROM audit_log WHERE id = 2');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({
      ok: false,
      firstBadId: '3',
      reason: 'BROKEN_LINK',
      chain: auditChainOf(a),
    });
  });

  it('detects deletion of the last record of a chain (HEAD_MISMATCH), which the links alone cannot', async () => {
    const [a, b] = twoAppeals();
    for (let i = 0; i < 3; i++) await appendAudit(env.deps.prisma, entry(a, i));
    await appendAudit(env.deps.prisma, entry(b, 3)); // a newer record on another chain
    await tamper('DELETE FROM audit_log WHERE id = 3'); // a's newest
    expect(await verifyAuditChain(env.deps.prisma)).toEqual({
      ok: false,
      checked: 3,
      firstBadId: '3',
      reason: 'HEAD_MISMATCH',
      chain: auditChainOf(a),
    });
    // the only record of b's chain deleted
    await tamper('TRUNCATE audit_log RESTART IDENTITY');
    await tamper(`UPDATE audit_chain_heads SET seq = 0, last_id = 0, hash = repeat('0', 64)`);
    await appendAudit(env.deps.prisma, entry(b, 0));
    await tamper('DELETE FROM audit_log WHERE id = 1');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: false, reason: 'HEAD_MISMATCH' });
  });

  it('detects records reordered across chains (ids exchanged so that a chain runs backwards)', async () => {
    const [a, b] = twoAppeals();
    await appendAudit(env.deps.prisma, entry(a, 0)); // id 1, a seq 1
    await appendAudit(env.deps.prisma, entry(b, 1)); // id 2, b seq 1
    await appendAudit(env.deps.prisma, entry(a, 2)); // id 3, a seq 2
    // records 1 (chain a) and 2 (chain b) trade ids with 3 (chain a): a's records now read seq 2, then 1
    await tamper('UPDATE audit_log SET id = 100 WHERE id = 1');
    await tamper('UPDATE audit_log SET id = 1 WHERE id = 3');
    await tamper('UPDATE audit_log SET id = 3 WHERE id = 100');
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({
      ok: false,
      firstBadId: '1',
      reason: 'BROKEN_LINK',
      chain: auditChainOf(a),
    });
  });

  it('the head rows refuse DELETE, TRUNCATE and a backwards UPDATE, even to the owner', async () => {
    const [a] = twoAppeals();
    await appendAudit(env.deps.prisma, entry(a, 0));
    await appendAudit(env.deps.prisma, entry(a, 1));
    const c = auditChainOf(a);
    for (const sql of [
      `DELETE FROM audit_chain_heads WHERE chain = ${c}`,
      'TRUNCATE audit_chain_heads',
      `UPDATE audit_chain_heads SET seq = 1 WHERE chain = ${c}`,
      `UPDATE audit_chain_heads SET chain = 99 WHERE chain = ${c}`,
    ])
      await expect(env.deps.prisma.$executeRawUnsafe(sql)).rejects.toThrow(/only moves forward/);
    expect(await verifyAuditChain(env.deps.prisma)).toMatchObject({ ok: true, checked: 2 });
  });
});
