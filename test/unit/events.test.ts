// Without an installed registry the dispatcher refuses to run (src/platform/events.ts): a composition
// root that forgot installAppSubscribers fails loudly instead of silently dropping every reaction.
import { describe, expect, it } from 'vitest';
import { publishDomainEvent } from '../../src/platform/events.ts';
import type { Tx } from '../../src/platform/db.ts';

describe('publishDomainEvent without installed subscribers', () => {
  it('throws before writing anything', async () => {
    const writes: string[] = [];
    const tx = new Proxy(
      {},
      {
        get: (_t, model) =>
          new Proxy({}, { get: (_m, op) => () => writes.push(`${String(model)}.${String(op)}`) }),
      },
    ) as unknown as Tx;
    await expect(
      publishDomainEvent(tx, {
        type: 'appeal.withdrawn',
        appealId: '00000000-0000-0000-0000-000000000001',
        actor: { type: 'BUYER' },
        occurredAt: new Date(),
      }),
    ).rejects.toThrow(/no domain-event subscribers installed/);
    expect(writes).toEqual([]);
  });
});
