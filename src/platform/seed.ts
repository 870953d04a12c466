// Reference data every environment needs, applied idempotently after migrations: the payment-error and
// reason-code catalogues (from prisma/seed/*.json) and the first ADMIN account.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { PRISMA_DIR } from './migrate.ts';
import { seedHolidays } from '../modules/sla/sla.calendar.ts';
import { hashPassword } from './password.ts';

interface PaymentErrorSeed {
  code: string;
  appealable: boolean;
  title: string;
  titleZh: string;
  action: string;
  actionZh: string;
}
interface ReasonSeed {
  code: string;
  kind: 'RETRY' | 'FINAL';
  en: string;
  zh: string;
  internal: string;
}

async function readSeed<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(path.join(PRISMA_DIR, 'seed', name), 'utf8')) as T;
}

export async function seedCatalogues(prisma: Db): Promise<void> {
  const errors = await readSeed<PaymentErrorSeed[]>('payment-errors.json');
  const reasons = await readSeed<ReasonSeed[]>('reason-codes.json');
  await prisma.$transaction([
    ...errors.map((e, i) =>
      prisma.paymentErrorCode.upsert({
        where: { code: e.code },
        create: { ...e, sortOrder: i },
        update: { ...e, sortOrder: i },
      }),
    ),
    ...reasons.map((r, i) => {
      const data = {
        kind: r.kind,
        buyerTextEn: r.en,
        buyerTextZh: r.zh,
        internalText: r.internal,
        sortOrder: i,
      };
      return prisma.reasonCode.upsert({
        where: { code: r.code },
        create: { code: r.code, ...data },
        update: data,
      });
    }),
  ]);
}

/** Creates the first ADMIN from ADMIN_EMAIL / ADMIN_PASSWORD when no admin exists yet. */
export async function seedFirstAdmin(prisma: Db, config: Config): Promise<boolean> {
  // raw SQL: the PGlite adapter cannot bind an enum for Prisma's `has` filter on enum arrays
  const [row] = await prisma.$queryRaw<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM staff_users WHERE 'ADMIN' = ANY(roles)`;
  if ((row?.n ?? 0) > 0) return false;
  const email = config.ADMIN_EMAIL.toLowerCase();
  const existing = await prisma.staffUser.findUnique({ where: { email } });
  if (existing) {
    await prisma.staffUser.update({
      where: { email },
      data: { roles: { set: [...existing.roles, 'ADMIN'] } },
    });
  } else {
    await prisma.staffUser.create({
      data: {
        email,
        name: 'Administrator',
        passwordHash: await hashPassword(config.ADMIN_PASSWORD),
        roles: ['ADMIN'],
      },
    });
  }
  return true;
}

export async function seedAll(prisma: Db, config: Config): Promise<void> {
  await seedCatalogues(prisma);
  await seedFirstAdmin(prisma, config);
  const year = new Date().getUTCFullYear();
  await seedHolidays(prisma, [year, year + 1], config.HOLIDAYS_REGION);
}
