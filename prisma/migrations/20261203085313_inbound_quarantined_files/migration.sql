-- AlterTable
ALTER TABLE "inbound_mails" ADD COLUMN     "quarantined_files" JSONB;
