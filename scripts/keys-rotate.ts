// `npm run keys:rotate`: after putting a new key first in DOCUMENT_MASTER_KEY ("new:...,old:..."),
// re-wraps every document data key still under an older key. Blobs are untouched. Idempotent; exits 1
// when some rows could not be re-wrapped (their key missing from the ring, or tampered), so the old key
// must stay in the ring until this prints "remaining 0".
import { ConfigError, loadConfig } from '../src/config.ts';
import { rotateDocumentKeys } from '../src/modules/security/security.keys.ts';
import { parseKeyring } from '../src/platform/crypto.ts';
import { openDatabase } from '../src/platform/db.ts';

let code = 0;
try {
  const config = loadConfig();
  const ring = parseKeyring(config.DOCUMENT_MASTER_KEY);
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
  try {
    const batch = Number(process.env.ROTATE_BATCH ?? 500);
    const r = await rotateDocumentKeys(db.prisma, ring, {
      batch: Number.isInteger(batch) && batch > 0 ? batch : 500,
      onBatch: (n) => console.log(`  re-wrapped ${n}`),
    });
    console.log(
      `active key ${r.activeKeyId}: scanned ${r.scanned}, re-wrapped ${r.rewrapped}, failed ${r.failed.length}, remaining ${r.remaining}`,
    );
    for (const f of r.failed.slice(0, 50))
      console.error(`  document ${f.documentId} (key ${f.keyId}): ${f.reason}`);
    if (r.failed.length > 0 || r.remaining > 0) code = 1;
  } finally {
    await db.close();
  }
} catch (e) {
  // parseKeyring's messages name the entry, never the key material
  console.error(e instanceof ConfigError ? e.message : (e as Error).message);
  code = 2;
}
process.exit(code);
