// A small Prometheus text exposition: request counters kept in process, plus gauges read from the
// database (outbox backlog, open cases, overdue refunds) so every replica reports the shared truth.
import type { RequestHandler } from 'express';
import type { Deps } from '../platform/deps.ts';
import { taskPoolMetricLines } from '../platform/task-pool.ts';

const requests = new Map<string, number>();
const durations = { sum: 0, count: 0 };

export const countRequests: RequestHandler = (req, res, next) => {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const key = `method="${req.method}",status="${res.statusCode}"`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    durations.sum += Number(process.hrtime.bigint() - start) / 1e9;
    durations.count += 1;
  });
  next();
};

export async function renderMetrics(deps: Pick<Deps, 'prisma'>): Promise<string> {
  const lines: string[] = [
    '# HELP http_requests_total HTTP requests by method and status.',
    '# TYPE http_requests_total counter',
  ];
  for (const [k, v] of requests) lines.push(`http_requests_total{${k}} ${v}`);
  lines.push(
    '# HELP http_request_duration_seconds Total time spent answering requests.',
    '# TYPE http_request_duration_seconds summary',
    `http_request_duration_seconds_sum ${durations.sum}`,
    `http_request_duration_seconds_count ${durations.count}`,
    // the intake pool: queue length, running, refusals (SERVICE.BUSY) and queue wait
    ...taskPoolMetricLines(),
  );
  try {
    const outbox = await deps.prisma.outboxMessage.groupBy({ by: ['status'], _count: { _all: true } });
    lines.push('# HELP outbox_messages Outbox rows by status.', '# TYPE outbox_messages gauge');
    for (const o of outbox) lines.push(`outbox_messages{status="${o.status}"} ${o._count._all}`);
    const appeals = await deps.prisma.appeal.groupBy({ by: ['status'], _count: { _all: true } });
    lines.push('# HELP appeals Appeals by status.', '# TYPE appeals gauge');
    for (const a of appeals) lines.push(`appeals{status="${a.status}"} ${a._count._all}`);
    // the e-mail channel (src/modules/inbound): one row per mail received
    const [mail] = await deps.prisma.$queryRaw<
      { received: bigint; matched: bigint; quarantined: bigint; answered: bigint }[]
    >`SELECT count(*) AS received, count(appeal_id) AS matched,
        count(*) FILTER (WHERE sender_check = 'FAIL') AS quarantined,
        count(*) FILTER (WHERE answered) AS answered FROM inbound_mails`;
    lines.push('# HELP inbound_mails_total Mails received by the e-mail channel, by outcome.');
    lines.push('# TYPE inbound_mails_total counter');
    for (const k of ['received', 'matched', 'quarantined', 'answered'] as const)
      lines.push(`inbound_mails_total{outcome="${k}"} ${Number(mail?.[k] ?? 0)}`);
    lines.push(
      '# HELP up_database 1 when the database answered.',
      '# TYPE up_database gauge',
      'up_database 1',
    );
  } catch {
    lines.push('# TYPE up_database gauge', 'up_database 0');
  }
  return `${lines.join('\n')}\n`;
}
