-- AlterEnum
ALTER TYPE "DocumentStatus" ADD VALUE 'UNSORTED';

-- AlterTable
ALTER TABLE "documents" ADD COLUMN     "filename" TEXT,
ADD COLUMN     "inbound_mail_id" UUID,
ADD COLUMN     "sender_check" TEXT,
ADD COLUMN     "slot_confidence" DOUBLE PRECISION,
ADD COLUMN     "slot_guess" TEXT,
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'WEB';

-- CreateTable
CREATE TABLE "inbound_mails" (
    "id" UUID NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "message_id" TEXT,
    "envelope_from" TEXT NOT NULL,
    "from_address" TEXT,
    "subject" TEXT,
    "raw_blob_key" TEXT,
    "raw_wrapped_key" BYTEA,
    "raw_key_id" TEXT,
    "byte_size" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RECEIVED',
    "sender_check" TEXT,
    "auth" JSONB,
    "appeal_id" UUID,
    "matched_by" TEXT,
    "attachments" JSONB,
    "answered" BOOLEAN NOT NULL DEFAULT false,
    "claimed_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "inbound_mails_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "inbound_mails_dedupe_key_key" ON "inbound_mails"("dedupe_key");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_mails_raw_blob_key_key" ON "inbound_mails"("raw_blob_key");

-- CreateIndex
CREATE INDEX "inbound_mails_status_received_at_idx" ON "inbound_mails"("status", "received_at");

-- CreateIndex
CREATE INDEX "inbound_mails_appeal_id_idx" ON "inbound_mails"("appeal_id");

-- CreateIndex
CREATE INDEX "inbound_mails_from_address_received_at_idx" ON "inbound_mails"("from_address", "received_at");
