-- Quality sampling (issue 19.4): final decisions drawn for a blind second review, and the per-month
-- counter that holds the cap under concurrent decisions (one row per business-time-zone month).
CREATE TYPE "QaReviewState" AS ENUM ('OPEN', 'DONE');

CREATE TABLE "qa_reviews" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "decision_id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "first_reviewer_id" UUID NOT NULL,
    "first_outcome" TEXT NOT NULL,
    "first_reason_codes" TEXT[],
    "state" "QaReviewState" NOT NULL DEFAULT 'OPEN',
    "second_reviewer_id" UUID,
    "second_outcome" TEXT,
    "second_reason_codes" TEXT[],
    "agreed" BOOLEAN,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "qa_reviews_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "qa_reviews_decision_id_key" ON "qa_reviews"("decision_id");
CREATE INDEX "qa_reviews_state_created_at_idx" ON "qa_reviews"("state", "created_at");
CREATE INDEX "qa_reviews_decided_at_idx" ON "qa_reviews"("decided_at");


CREATE TABLE "qa_monthly_counts" (
    "month" CHAR(7) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "qa_monthly_counts_pkey" PRIMARY KEY ("month")
);
