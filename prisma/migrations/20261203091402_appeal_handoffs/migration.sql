-- CreateTable
CREATE TABLE "appeal_handoffs" (
    "code_hash" TEXT NOT NULL,
    "appeal_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appeal_handoffs_pkey" PRIMARY KEY ("code_hash")
);

-- CreateIndex
CREATE INDEX "appeal_handoffs_appeal_id_created_at_idx" ON "appeal_handoffs"("appeal_id", "created_at");

-- CreateIndex
CREATE INDEX "appeal_handoffs_expires_at_idx" ON "appeal_handoffs"("expires_at");

-- AddForeignKey
ALTER TABLE "appeal_handoffs" ADD CONSTRAINT "appeal_handoffs_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE CASCADE ON UPDATE CASCADE;
