// GET /api/v1/cases/:id/evidence-pack: the approved appeal as evidence for a later chargeback of the same
// payment. Order of refusals: no such case (404), not APPROVED (409), documents purged (410), card data in
// a document or no guard (422 / 503), does not fit the profile (422). The export is audited before the
// first byte leaves (EVIDENCE_PACK_EXPORTED, with the PDF's sha-256): a pack the trail cannot record is
// not sent.
import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';
import type { AuditSource } from '../audit/audit.request.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { loadPackFacts } from './evidence.data.ts';
import { type GuardDeps, guardedPages } from './evidence.pages.ts';
import { buildPack } from './evidence.pdf.ts';
import { PROFILES, type PackProfileName } from './evidence.profiles.ts';

export interface PackViewer {
  id: string;
  email: string;
  name: string;
}

export interface EvidencePack {
  pdf: Buffer;
  filename: string;
  pages: number;
  dpi: number;
  quality: number;
  sha256: string;
}

export async function buildEvidencePack(
  deps: GuardDeps,
  viewer: PackViewer,
  input: { caseId: string; profile: PackProfileName },
  source: AuditSource,
): Promise<EvidencePack> {
  const profile = PROFILES[input.profile];
  const facts = await loadPackFacts(deps, input.caseId);
  const pages = await guardedPages(deps, facts.caseId, facts.documents, source.actor);
  const at = deps.clock.now();
  const built = await buildPack(facts, pages, profile, {
    generatedAt: at,
    generatedBy: `${viewer.name} <${viewer.email}>`,
  });
  const sha256 = createHash('sha256').update(built.pdf).digest('hex');
  try {
    await appendAudit(deps.prisma, {
      ...source,
      at,
      action: 'EVIDENCE_PACK_EXPORTED',
      appealId: facts.caseId,
      target: { type: 'evidence_pack', id: sha256 },
      data: {
        profile: profile.name,
        bytes: built.pdf.length,
        pages: built.pages,
        dpi: built.step.dpi,
        quality: built.step.quality,
        documents: [...new Set(facts.documents.map((d) => d.id))],
        decisionAuditId: facts.audit ? String(facts.audit.id) : null,
      },
    });
  } catch (err) {
    deps.logger.error(
      { err: (err as Error).message, caseId: facts.caseId },
      'evidence pack not audited; not sent',
    );
    throw new AppError('DEPENDENCY.UNAVAILABLE', 'The export could not be recorded; try again shortly.');
  }
  return {
    pdf: built.pdf,
    filename: `evidence-${facts.order.orderId.replace(/[^A-Za-z0-9._-]/g, '_')}-${profile.name}.pdf`,
    pages: built.pages,
    dpi: built.step.dpi,
    quality: built.step.quality,
    sha256,
  };
}
