-- CreateTable
CREATE TABLE "domain_events" (
    "id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "appeal_id" UUID NOT NULL,
    "from_status" "AppealStatus",
    "to_status" "AppealStatus",
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "dispatched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "domain_events_appeal_id_occurred_at_idx" ON "domain_events"("appeal_id", "occurred_at");

-- CreateIndex
CREATE INDEX "domain_events_dispatched_at_created_at_idx" ON "domain_events"("dispatched_at", "created_at");
