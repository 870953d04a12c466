// Who sent it: SPF, DKIM, DMARC and ARC with mailauth 4.13 (Node 20), through a DNS resolver that tests
// replace (setMailAuthResolver, or INBOUND_DNS_FIXTURE for a worker process in a test). The verdict:
// PASS (DMARC passed), FAIL (DMARC failed: the
// quarantine), UNVERIFIED (no DMARC policy, DNS trouble: accepted, documents flagged SENDER_UNVERIFIED).
import { readFileSync } from 'node:fs';
import { promises as dns } from 'node:dns';
import { authenticate } from 'mailauth';

export type Resolver = (name: string, rrtype: string) => Promise<unknown>;
export type SenderCheck = 'PASS' | 'FAIL' | 'UNVERIFIED';

export interface AuthVerdict {
  senderCheck: SenderCheck;
  /** results only (pass/fail/none...), never message content */
  results: { spf: string; dkim: string[]; dmarc: string; arc: string; headerFrom: string | null };
}

let override: Resolver | null = null;

/** Test seam: every authentication in this process uses `r` (null restores the default). */
export function setMailAuthResolver(r: Resolver | null): void {
  override = r;
}

/** A resolver over fixed records: {"TXT": {"name": [["v=spf1 ..."]]}, ...}; anything else ENOTFOUND. */
export function fixtureResolver(records: Record<string, Record<string, unknown[]>>): Resolver {
  return async (name, rrtype) => {
    const hit = records[rrtype.toUpperCase()]?.[name.toLowerCase().replace(/\.$/, '')];
    if (hit) return hit;
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

function defaultResolver(): Resolver {
  if (override) return override;
  const file = process.env.INBOUND_DNS_FIXTURE;
  if (file && process.env.NODE_ENV !== 'production')
    return fixtureResolver(JSON.parse(readFileSync(file, 'utf8')));
  return (name, rrtype) => dns.resolve(name, rrtype as 'TXT');
}

export async function checkSender(
  raw: Buffer,
  session: { ip: string; helo: string; mailFrom: string; mta: string; trustReceived: boolean },
): Promise<AuthVerdict> {
  const r = await authenticate(raw, {
    ip: session.trustReceived ? undefined : session.ip,
    helo: session.trustReceived ? undefined : session.helo,
    sender: session.mailFrom || undefined,
    mta: session.mta,
    trustReceived: session.trustReceived,
    resolver: defaultResolver(),
    disableBimi: true,
  } as never);
  const res = r as unknown as {
    spf?: { status?: { result?: string } } | false;
    dkim?: { headerFrom?: string[]; results?: { status?: { result?: string } }[] };
    dmarc?: { status?: { result?: string } } | false;
    arc?: { status?: { result?: string } } | false;
  };
  const dmarc = (res.dmarc && res.dmarc.status?.result) || 'none';
  const arc = (res.arc && res.arc.status?.result) || 'none';
  const results = {
    spf: (res.spf && res.spf.status?.result) || 'none',
    dkim: (res.dkim?.results ?? []).map((d) => d.status?.result ?? 'none'),
    dmarc,
    arc,
    headerFrom: res.dkim?.headerFrom?.[0] ?? null,
  };
  // the ARC result is kept for the reviewer; a DMARC failure quarantines even with an ARC pass (staff release)
  const senderCheck: SenderCheck = dmarc === 'pass' ? 'PASS' : dmarc === 'fail' ? 'FAIL' : 'UNVERIFIED';
  return { senderCheck, results };
}
