// The buyer's e-mails: one small document per template and language (see notifications.doc.ts).
import {
  b,
  type Block,
  button,
  buyerDoc,
  p,
  reasonBlocks,
  refundBlock,
  type Templates,
  WORDS,
} from './notifications.doc.ts';
import { cap, formatDate, formatMoney, slotLabel } from './notifications.format.ts';

export const BUYER_TEMPLATES = {
  APPEAL_OPENED: (m, l) => {
    const amount = formatMoney(m.amount, l);
    const card = WORDS[l].card(m.cardBrand, m.cardLast4);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：请验证您的银行卡以继续付款`,
          title: '您的付款还需完成一步验证',
          hasLink: true,
          blocks: [
            p('出于安全原因，您使用', b(card), '为订单 ', b(m.orderId), ' 支付的 ', b(amount), ' 未能完成。'),
            p(
              '如需继续处理该订单，请在申诉页面上传几张照片，证明这张卡属于您本人：身份证件、银行卡正反面照片' +
                '（卡号请遮住，只露出最后 4 位；背面的安全码也请遮住），以及近期的银行卡账单。',
            ),
            button(l, m.appealUrl, '打开我的申诉'),
            p('材料全部提交后，我们将在 ', b(`${m.answerWindowDays} 个工作日`), '内给您答复。'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: please confirm your card to continue`,
          title: 'Your payment needs one more step',
          hasLink: true,
          blocks: [
            p(
              'For security reasons we could not complete the payment of ',
              b(amount),
              ' for order ',
              b(m.orderId),
              ' with your ',
              b(card),
              '.',
            ),
            p(
              'To continue with the order, please show us that the card is yours by uploading a few photos on ' +
                'your appeal page: an identity document, the front and back of the card (cover the card number ' +
                'except the last 4 digits, and cover the security code on the back) and a recent card statement.',
            ),
            button(l, m.appealUrl, 'Open my appeal'),
            p(
              'Once you have submitted everything, we will reply within ',
              b(`${m.answerWindowDays} working day${m.answerWindowDays === 1 ? '' : 's'}`),
              '.',
            ),
          ],
        });
  },

  DOCUMENTS_REJECTED: (m, l) => {
    const problems: Block[] = m.problems.flatMap((pr) => [
      { kind: 'heading', text: cap(slotLabel(pr.slot, l)) } as Block,
      { kind: 'list', items: pr.messages } as Block,
    ]);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：部分照片需要重新上传`,
          title: '您上传的部分照片未通过检查',
          hasLink: true,
          blocks: [
            p('我们检查了您为订单 ', b(m.orderId), ' 上传的照片，以下材料需要重新处理：'),
            ...problems,
            p('请在申诉页面重新上传上述材料。'),
            button(l, m.appealUrl, '重新上传照片'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: some photos need to be uploaded again`,
          title: 'Some of your photos could not be accepted',
          hasLink: true,
          blocks: [
            p('We checked the photos you uploaded for order ', b(m.orderId), '. These need your attention:'),
            ...problems,
            p('Please upload new photos for these items on your appeal page.'),
            button(l, m.appealUrl, 'Upload new photos'),
          ],
        });
  },

  SUBMITTED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：我们已收到您的材料`,
          title: '谢谢，您的材料已提交',
          hasLink: true,
          blocks: [
            p('我们已收到订单 ', b(m.orderId), ' 所需的全部材料，工作人员将尽快审核。'),
            p('您将在 ', b(formatDate(m.answerBy, l)), ' 之前收到答复。'),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: we have received your documents`,
          title: 'Thank you, we have your documents',
          hasLink: true,
          blocks: [
            p(
              'We have received everything we need for order ',
              b(m.orderId),
              '. Our team will now review it.',
            ),
            p('You will get an answer by ', b(formatDate(m.answerBy, l)), '.'),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  MORE_INFO_REQUESTED: (m, l) => {
    const slots: Block = { kind: 'list', items: m.slots.map((s) => cap(slotLabel(s, l))) };
    const why = reasonBlocks(m.reasons, m.buyerMessage, l);
    const by = formatDate(m.respondBy, l);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：需要您补充材料`,
          title: '需要您补充一些材料',
          hasLink: true,
          blocks: [
            p('审核人员查看了您为订单 ', b(m.orderId), ' 提交的材料，需要您重新提供以下材料：'),
            slots,
            ...why,
            p('请在 ', b(by), ' 之前上传。如届时仍未收到，申诉将会关闭，订单也将被取消。'),
            button(l, m.appealUrl, '上传材料'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: we need a little more information`,
          title: 'We need a little more from you',
          hasLink: true,
          blocks: [
            p(
              'Our reviewer has looked at your documents for order ',
              b(m.orderId),
              ' and needs these again:',
            ),
            slots,
            ...why,
            p(
              'Please upload them by ',
              b(by),
              '. If we do not hear from you by then, the appeal will close and the order will be cancelled.',
            ),
            button(l, m.appealUrl, 'Upload documents'),
          ],
        });
  },

  APPROVED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉已通过`,
          title: '您的申诉已通过',
          hasLink: true,
          blocks: [
            p('感谢您耐心等待。我们已核实您的材料，订单 ', b(m.orderId), ' 已解除限制，将按正常流程处理。'),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal has been approved`,
          title: 'Your appeal has been approved',
          hasLink: true,
          blocks: [
            p(
              'Thank you for your patience. We have verified your documents and released order ',
              b(m.orderId),
              '; it will now go ahead as normal.',
            ),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  REJECTED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉未获通过`,
          title: '很抱歉，您的申诉未获通过',
          hasLink: true,
          blocks: [
            p('我们审核了您为订单 ', b(m.orderId), ' 提交的材料，很遗憾，申诉未能通过，该订单已取消。'),
            ...reasonBlocks(m.reasons, m.buyerMessage, l),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal was not approved`,
          title: 'We could not approve your appeal',
          hasLink: true,
          blocks: [
            p(
              'We have reviewed your documents for order ',
              b(m.orderId),
              ' and unfortunately could not approve the appeal. The order has been cancelled.',
            ),
            ...reasonBlocks(m.reasons, m.buyerMessage, l),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  EXPIRED: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的申诉已过期`,
          title: '您的申诉已关闭',
          hasLink: true,
          blocks: [
            p('我们未能在规定时间内收到订单 ', b(m.orderId), ' 的材料，因此申诉已关闭，订单已取消。'),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your appeal has expired`,
          title: 'Your appeal has closed',
          hasLink: true,
          blocks: [
            p(
              'We did not receive the documents for order ',
              b(m.orderId),
              ' in time, so the appeal has closed and the order has been cancelled.',
            ),
            refundBlock(m.refund, l),
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        }),

  WITHDRAWN: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您已撤回申诉`,
          title: '您的申诉已撤回',
          hasLink: false,
          blocks: [
            p('根据您的要求，我们已撤回您的申诉，并取消了订单 ', b(m.orderId), '。'),
            refundBlock(m.refund, l),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: you have withdrawn your appeal`,
          title: 'Your appeal has been withdrawn',
          hasLink: false,
          blocks: [
            p('As you asked, we have withdrawn your appeal and cancelled order ', b(m.orderId), '.'),
            refundBlock(m.refund, l),
          ],
        }),

  REFUND_SETTLED: (m, l) => {
    const amount = formatMoney(m.amount, l);
    const on = formatDate(m.settledOn, l);
    return l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：${amount} 退款已发出`,
          title: '您的退款已发出',
          hasLink: true,
          blocks: [
            p('订单 ', b(m.orderId), ' 的退款 ', b(amount), ' 已于 ', b(on), ' 退回至您的银行卡。'),
            p('银行入账可能需要几天时间。如果您仍未看到这笔退款，请向发卡银行提供以下参考编号（ARN）：'),
            {
              kind: 'facts',
              rows: [
                ['退款金额', amount],
                ['退款日期', on],
                ['参考编号（ARN）', m.arn],
              ],
            },
            button(l, m.appealUrl, WORDS.zh.viewAppeal),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your refund of ${amount} has been sent`,
          title: 'Your refund has been sent',
          hasLink: true,
          blocks: [
            p(
              'We sent the refund of ',
              b(amount),
              ' for order ',
              b(m.orderId),
              ' to your card on ',
              b(on),
              '.',
            ),
            p(
              'Banks can take a few days to show a refund. If you cannot see it, give your bank this reference ' +
                'number (ARN):',
            ),
            {
              kind: 'facts',
              rows: [
                ['Amount', amount],
                ['Sent on', on],
                ['Reference (ARN)', m.arn],
              ],
            },
            button(l, m.appealUrl, WORDS.en.viewAppeal),
          ],
        });
  },

  NEW_APPEAL_LINK: (m, l) =>
    l === 'zh'
      ? buyerDoc(l, m, {
          subject: `订单 ${m.orderId}：您的新申诉链接`,
          title: '这是您的新链接',
          hasLink: true,
          blocks: [
            p('这是订单 ', b(m.orderId), ' 申诉页面的新链接，有效期至 ', b(formatDate(m.expiresOn, l)), '。'),
            button(l, m.appealUrl, '打开我的申诉'),
          ],
        })
      : buyerDoc(l, m, {
          subject: `Order ${m.orderId}: your new appeal link`,
          title: 'Here is your new link',
          hasLink: true,
          blocks: [
            p(
              'Here is a new link to your appeal for order ',
              b(m.orderId),
              '. It works until ',
              b(formatDate(m.expiresOn, l)),
              '.',
            ),
            button(l, m.appealUrl, 'Open my appeal'),
          ],
        }),
} satisfies Partial<Templates>;
