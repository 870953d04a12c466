// `npm run audit:verify`: walks the audit chain and exits 1 when a record was edited or deleted.
// Prints the head hash: keep a copy of it elsewhere (a ticket, a log shipper) to detect truncation of
// the newest records, which a chain alone cannot show.
import { ConfigError, loadConfig } from '../src/config.ts';
import { verifyAuditChain } from '../src/modules/audit/audit.service.ts';
import { openDatabase } from '../src/platform/db.ts';

let code = 0;
try {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
  try {
    const r = await verifyAuditChain(db.prisma);
    if (r.ok) {
      console.log(`audit chain OK: ${r.checked} records${r.headHash ? `, head ${r.headHash}` : ''}`);
    } else {
      console.error(
        `audit chain BROKEN at record ${r.firstBadId} (${r.reason === 'HASH_MISMATCH' ? 'the record was edited' : 'a record before it was deleted or reordered'}); ${r.checked} records read`,
      );
      code = 1;
    }
  } finally {
    await db.close();
  }
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  code = 2;
}
process.exit(code);
