// `npm run audit:verify`: walks the audit chain (HMAC under AUDIT_HMAC_KEY) and checks every signed head
// in AUDIT_HEAD_DIR; exits 1 when a record was edited, deleted or reordered, or the newest records were
// cut off or rewritten (a head no longer matches). Exit 2: configuration or database error.
import { ConfigError, loadConfig } from '../src/config.ts';
import { verifyAuditHeads } from '../src/modules/audit/audit.head.ts';
import { verifyAuditChain } from '../src/modules/audit/audit.service.ts';
import { setAuditKey } from '../src/platform/audit-key.ts';
import { openDatabase } from '../src/platform/db.ts';

const WHY = {
  HASH_MISMATCH: 'the record was edited',
  BROKEN_LINK: 'a record before it was deleted or reordered',
  HEAD_MISMATCH: 'the newest records of the chain were deleted: its head row names a later one',
} as const;

let code = 0;
try {
  const config = loadConfig();
  setAuditKey(config.AUDIT_HMAC_KEY);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
  try {
    const r = await verifyAuditChain(db.prisma);
    if (!r.ok) {
      console.error(
        `audit chain BROKEN at record ${r.firstBadId}${r.chain ? ` of chain ${r.chain}` : ''} (${WHY[r.reason ?? 'BROKEN_LINK']}); ${r.checked} records read`,
      );
      code = 1;
    } else {
      const h = await verifyAuditHeads(db.prisma, config.AUDIT_HEAD_DIR);
      if (!h.ok) {
        console.error(`audit head check FAILED: ${h.problem}`);
        code = 1;
      } else {
        console.log(
          `audit chain OK: ${r.checked} records${r.headHash ? `, head ${r.headHash}` : ''}; ${h.heads} signed heads match`,
        );
      }
    }
  } finally {
    await db.close();
  }
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  code = 2;
}
process.exit(code);
