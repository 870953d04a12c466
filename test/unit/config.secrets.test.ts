// "Refuse every value shipped in the repository": every secret-looking sample value in the files this
// repository ships (docker-compose, README, deploy/) must be refused by the production rules.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStrongMasterKey, isStrongSecret, SHIPPED_SAMPLE_VALUES } from '../../src/config.secrets.ts';

const ROOT = new URL('../../', import.meta.url);
const SECRET_VARS = [
  'RISK_API_KEYS',
  'REFUND_PROVIDER_KEYS',
  'REFUND_PROVIDER_SIGNING_SECRETS',
  'APPEAL_TOKEN_SECRET',
  'AUDIT_HMAC_KEY',
  'METRICS_TOKEN',
  'ADMIN_PASSWORD',
  'DOCUMENT_MASTER_KEY',
];

/** `VAR: value`, `VAR=value` and `| \`VAR\` | \`value\` |` forms in the shipped text files. */
function shippedValues(): Array<{ file: string; name: string; value: string }> {
  const files = ['docker-compose.yml', 'README.md', 'src/config.ts'];
  for (const f of readdirSync(new URL('deploy/', ROOT))) files.push(`deploy/${f}`);
  const out: Array<{ file: string; name: string; value: string }> = [];
  for (const file of files) {
    const text = readFileSync(new URL(file, ROOT), 'utf8');
    for (const name of SECRET_VARS) {
      const re = new RegExp(`${name}\`?\\s*(?:[:=]|\\|\\s*\`)\\s*['"\`]?([^\\s'"\`|,]+)`, 'g');
      for (const m of text.matchAll(re)) {
        const value = m[1]!;
        if (value.startsWith('${') || value.startsWith('z.') || /^[a-z]+\(/.test(value)) continue;
        out.push({ file, name, value });
      }
    }
  }
  return out;
}

describe('shipped sample values', () => {
  it('finds the samples it is meant to find (the scan itself works)', () => {
    const found = shippedValues().map((v) => v.value);
    expect(found).toEqual(expect.arrayContaining(['dev-risk-key']));
  });

  it('every one is refused by the production rules', () => {
    for (const { file, name, value } of shippedValues()) {
      const strong = name === 'DOCUMENT_MASTER_KEY' ? isStrongMasterKey(value) : isStrongSecret(value);
      const listed = SHIPPED_SAMPLE_VALUES.includes(value);
      expect(strong && !listed, `${file}: ${name}=${value}`).toBe(false);
    }
  });
});
