// E-mail formatting: money, dates, instants and slot names in the buyer's or staff member's language.
import { DateTime } from 'luxon';
import { currencyExponent } from '../../platform/money.ts';
import type { Locale, Slot } from './notifications.schema.ts';

// ---------------------------------------------------------------------------------------------
// Formatting

// ISO 4217 minor units come from the one table in src/platform/money.ts (CLDR, what Intl uses, disagrees
// with ISO for IQD, HUF, IDR...): Intl only does the symbol and grouping here.
export { currencyExponent };

export const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', zh: 'zh-CN' };

/** Minor units -> "€12.34", "JP¥1,234", "KWD 1.234" (exact: the decimal point is placed in the digits). */
export function formatMoney(amount: { value: number; currency: string }, locale: Locale): string {
  const exp = currencyExponent(amount.currency);
  const digits = String(amount.value).padStart(exp + 1, '0');
  const decimal = (exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`) as `${number}`;
  return new Intl.NumberFormat(INTL_LOCALE[locale], {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  }).format(decimal);
}

/** 'YYYY-MM-DD' -> "Friday, 6 March 2026" / "2026年3月6日星期五"; a calendar date, so no time zone shift. */
export function formatDate(ymd: string, locale: Locale): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'full', timeZone: 'UTC' }).format(
    Date.UTC(y, m - 1, d),
  );
}

/** An instant shown in the offset it was given in (the business time zone), with that offset spelled out. */
export function formatInstant(iso: string, locale: Locale): string {
  const dt = DateTime.fromISO(iso, { setZone: true });
  const zone = dt.offset === 0 ? 'UTC' : `UTC${dt.toFormat('ZZ')}`;
  return locale === 'zh'
    ? `${dt.toFormat('yyyy年M月d日 HH:mm')}（${zone}）`
    : `${dt.setLocale('en-GB').toFormat('ccc d LLL yyyy, HH:mm')} (${zone})`;
}

const BUYER_SLOT: Record<Locale, Record<Slot, string>> = {
  en: {
    ID_FRONT: 'front of your ID document (or the photo page of your passport)',
    ID_BACK: 'back of your ID document',
    CARD_FRONT: 'front of your card',
    CARD_BACK: 'back of your card',
    BILLING_STATEMENT: 'card statement',
  },
  zh: {
    ID_FRONT: '身份证件正面（护照请提供照片页）',
    ID_BACK: '身份证件背面',
    CARD_FRONT: '银行卡正面',
    CARD_BACK: '银行卡背面',
    BILLING_STATEMENT: '银行卡账单',
  },
};

const STAFF_SLOT: Record<Locale, Record<Slot, string>> = {
  en: {
    ID_FRONT: 'ID front',
    ID_BACK: 'ID back',
    CARD_FRONT: 'card front',
    CARD_BACK: 'card back',
    BILLING_STATEMENT: 'billing statement',
  },
  zh: BUYER_SLOT.zh,
};

export function slotLabel(slot: Slot, locale: Locale, audience: 'buyer' | 'staff' = 'buyer'): string {
  return (audience === 'buyer' ? BUYER_SLOT : STAFF_SLOT)[locale][slot];
}

export const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
