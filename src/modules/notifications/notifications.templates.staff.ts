// The staff e-mails: reminders, warnings, escalations, the finance digest and security incidents.
import { b, type Block, button, p, staffDoc, type Templates, WORDS } from './notifications.doc.ts';
import { formatDate, formatInstant, formatMoney, slotLabel } from './notifications.format.ts';

export const STAFF_TEMPLATES = {
  REVIEWER_REMINDER: (m, l) => {
    const at = formatInstant(m.targetAt, l);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `提醒：案件 ${m.caseId}（订单 ${m.orderId}）即将到达答复目标时间`,
          title: '有案件需要尽快答复',
          blocks: [
            p(
              '分配给您的案件 ',
              b(m.caseId),
              '（订单 ',
              b(m.orderId),
              '）将于 ',
              b(at),
              ' 到达答复目标时间。',
            ),
            p('请在此之前作出决定，或要求买家补充材料。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `Reminder: case ${m.caseId} (order ${m.orderId}) reaches its reply target`,
          title: 'A case is due for a reply',
          blocks: [
            p(
              'Case ',
              b(m.caseId),
              ' for order ',
              b(m.orderId),
              ' is assigned to you and reaches its reply target at ',
              b(at),
              '.',
            ),
            p('Please decide it, or ask the buyer for more information, before then.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  LEAD_WARNING: (m, l) => {
    const at = formatInstant(m.breachAt, l);
    const who = WORDS[l].assignee(m.assigneeName);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `SLA 预警：案件 ${m.caseId}（订单 ${m.orderId}）即将超时`,
          title: '有案件即将超出处理时限',
          blocks: [
            p('案件 ', b(m.caseId), '（订单 ', b(m.orderId), '）将于 ', b(at), ' 超出 SLA 处理时限。'),
            { kind: 'facts', rows: [['当前处理人', who]] },
            p('请确认该案件能按时处理，或将其重新分配。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `SLA warning: case ${m.caseId} (order ${m.orderId}) is close to breach`,
          title: 'A case is close to its deadline',
          blocks: [
            p('Case ', b(m.caseId), ' for order ', b(m.orderId), ' will breach its SLA at ', b(at), '.'),
            { kind: 'facts', rows: [['Assigned to', who]] },
            p('Please make sure it is decided in time, or reassign it.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  LEAD_ESCALATION: (m, l) => {
    const at = formatInstant(m.breachedAt, l);
    const who = WORDS[l].assignee(m.assigneeName);
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `SLA 已超时：案件 ${m.caseId}（订单 ${m.orderId}）`,
          title: '有案件已超出处理时限',
          blocks: [
            p(
              '案件 ',
              b(m.caseId),
              '（订单 ',
              b(m.orderId),
              '）已于 ',
              b(at),
              ' 超出处理时限，现已升级处理。',
            ),
            { kind: 'facts', rows: [['当前处理人', who]] },
            p('请优先处理此案件。'),
            button(l, m.consoleUrl, WORDS.zh.openCase),
          ],
        })
      : staffDoc(l, m, {
          subject: `SLA breached: case ${m.caseId} (order ${m.orderId})`,
          title: 'A case has breached its SLA',
          blocks: [
            p(
              'Case ',
              b(m.caseId),
              ' for order ',
              b(m.orderId),
              ' passed its deadline at ',
              b(at),
              ' and has been escalated.',
            ),
            { kind: 'facts', rows: [['Assigned to', who]] },
            p('Please treat it as a priority.'),
            button(l, m.consoleUrl, WORDS.en.openCase),
          ],
        });
  },

  FINANCE_OVERDUE_DIGEST: (m, l) => {
    const asOf = formatDate(m.asOf, l);
    const n = m.refunds.length;
    const rows = m.refunds.map((r) => [
      r.refundId,
      r.orderId,
      formatMoney(r.amount, l),
      formatDate(r.dueBy, l),
      String(r.workingDaysOverdue),
    ]);
    if (l === 'zh') {
      const totals: [string, string][] = m.totals.map((t) => [
        t.currency,
        `${formatMoney(t, l)}（${t.count} 笔）`,
      ]);
      return staffDoc(l, m, {
        subject: `逾期退款汇总（截至 ${asOf}）：${n} 笔`,
        title: '逾期退款汇总',
        blocks: [
          n === 0
            ? p('截至 ', b(asOf), '，没有逾期退款。')
            : p('截至 ', b(asOf), '，共有 ', b(`${n} 笔`), '退款已超过应到账日期，仍未完成。'),
          ...(n === 0
            ? []
            : [
                {
                  kind: 'table',
                  caption: '逾期退款',
                  head: ['退款编号', '订单号', '金额', '应到账日期', '逾期工作日'],
                  rows,
                } as Block,
              ]),
          ...(totals.length ? [p(b('按币种合计：')), { kind: 'facts', rows: totals } as Block] : []),
          button(l, m.consoleUrl, '打开财务后台'),
        ],
      });
    }
    const totals: [string, string][] = m.totals.map((t) => [
      t.currency,
      `${formatMoney(t, l)} (${t.count} refund${t.count === 1 ? '' : 's'})`,
    ]);
    return staffDoc(l, m, {
      subject: `Overdue refunds as of ${asOf}: ${n}`,
      title: 'Overdue refunds',
      blocks: [
        n === 0
          ? p('As of ', b(asOf), ', no refunds are overdue.')
          : p(
              'As of ',
              b(asOf),
              ', ',
              b(`${n} refund${n === 1 ? ' has' : 's have'}`),
              ' passed the due date without being settled.',
            ),
        ...(n === 0
          ? []
          : [
              {
                kind: 'table',
                caption: 'Overdue refunds',
                head: ['Refund', 'Order', 'Amount', 'Due by', 'Working days overdue'],
                rows,
              } as Block,
            ]),
        ...(totals.length ? [p(b('Totals by currency:')), { kind: 'facts', rows: totals } as Block] : []),
        button(l, m.consoleUrl, 'Open the finance console'),
      ],
    });
  },

  SECURITY_INCIDENT: (m, l) => {
    const at = formatInstant(m.detectedAt, l);
    const slot = slotLabel(m.slot, l, 'staff');
    return l === 'zh'
      ? staffDoc(l, m, {
          subject: `安全事件 ${m.incidentId}：上传文件中检测到完整卡号`,
          title: '上传文件中检测到完整卡号',
          blocks: [
            p(
              '申诉 ',
              b(m.appealId),
              ' 的一次上传（',
              slot,
              '）中似乎包含完整的银行卡号。该图片已被拒收，未被保存，卡号也没有被记录。',
            ),
            {
              kind: 'facts',
              rows: [
                ['事件编号', m.incidentId],
                ['申诉编号', m.appealId],
                ['材料', slot],
                ['发现时间', at],
              ],
            },
            button(l, m.consoleUrl, '查看事件'),
          ],
        })
      : staffDoc(l, m, {
          subject: `Security incident ${m.incidentId}: full card number detected in an upload`,
          title: 'A full card number was detected in an upload',
          blocks: [
            p(
              'An upload for appeal ',
              b(m.appealId),
              ' (',
              slot,
              ') appears to show a full card number. The image was rejected and not stored, and the number ' +
                'was not recorded.',
            ),
            {
              kind: 'facts',
              rows: [
                ['Incident', m.incidentId],
                ['Appeal', m.appealId],
                ['Document', slot],
                ['Detected at', at],
              ],
            },
            button(l, m.consoleUrl, 'Open the incident'),
          ],
        });
  },
} satisfies Partial<Templates>;
