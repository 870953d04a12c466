// Four eyes at one choke point (issue 19), checked over the source tree: the only code that moves an
// appeal by APPROVE is approveInTx, which asks approvalGate before it does; every approval path goes
// through approveInTx. A new path that transitions by APPROVE itself, or an approveInTx that stops asking
// the gate, fails here. (test/integration/review.bulk.test.ts shows the gate refusing at run time.)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canGiveSecondApproval } from '../../src/modules/review/review.rules.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

const rel = (p: string) => path.relative(SRC, p);
const files = sources().map((p) => ({ file: rel(p), text: readFileSync(p, 'utf8') }));

describe('four eyes: one choke point', () => {
  it('only review.approve.ts transitions an appeal by APPROVE, after asking approvalGate', () => {
    const hits = files.filter((f) => /transitionAppeal\([^)]*?'APPROVE'/s.test(f.text)).map((f) => f.file);
    expect(hits).toEqual(['modules/review/review.approve.ts']);
    const approve = files.find((f) => f.file === 'modules/review/review.approve.ts')!.text;
    const body = approve.slice(approve.indexOf('export async function approveInTx'));
    const gate = body.indexOf('await approvalGate(');
    const move = body.indexOf("transitionAppeal(tx, a.id, 'APPROVE'");
    expect(gate).toBeGreaterThan(0);
    expect(move).toBeGreaterThan(gate);
    // the verdict is acted on: anything but APPROVE throws before the transition
    expect(body.slice(gate, move)).toMatch(/if \(verdict !== 'APPROVE'\)\s*throw/);
  });

  it('no status write to APPROVED outside the state machine (raw SQL or a status patch)', () => {
    const raw = files.filter((f) => /status\s*=\s*'APPROVED'/.test(f.text)).map((f) => f.file);
    expect(raw).toEqual([]);
    const patch = files.filter((f) => /data:\s*\{[^}]*status:\s*'APPROVED'/s.test(f.text)).map((f) => f.file);
    expect(patch).toEqual([]);
  });

  it('approveInTx is called from decideCase only, and decideCase asks the gate before writing a decision', () => {
    const callers = files
      .filter((f) => /approveInTx\(/.test(f.text) && !/export async function approveInTx/.test(f.text))
      .map((f) => f.file);
    expect(callers).toEqual(['modules/review/review.decisions.ts']);
    const decisions = files.find((f) => f.file === 'modules/review/review.decisions.ts')!.text;
    expect(decisions.match(/await approvalGate\(/g)).toHaveLength(2);
    expect(decisions).not.toMatch(/needsSecondApproval/);
  });

  it('who can give a second approval: an active lead not on leave', () => {
    const now = new Date('2026-01-05T10:00:00Z');
    const later = new Date('2026-01-06T10:00:00Z');
    expect(canGiveSecondApproval({ roles: ['LEAD'], active: true, onLeaveUntil: null }, now)).toBe(true);
    expect(canGiveSecondApproval({ roles: ['LEAD'], active: true, onLeaveUntil: now }, now)).toBe(true);
    expect(canGiveSecondApproval({ roles: ['LEAD'], active: true, onLeaveUntil: later }, now)).toBe(false);
    expect(canGiveSecondApproval({ roles: ['LEAD'], active: false, onLeaveUntil: null }, now)).toBe(false);
    expect(
      canGiveSecondApproval({ roles: ['REVIEWER', 'ADMIN'], active: true, onLeaveUntil: null }, now),
    ).toBe(false);
  });
});
