-- CreateEnum
CREATE TYPE "AppealStatus" AS ENUM ('AWAITING_DOCUMENTS', 'SUBMITTED', 'IN_REVIEW', 'MORE_INFO_REQUESTED', 'APPROVED', 'REJECTED', 'EXPIRED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "IdType" AS ENUM ('PASSPORT', 'ID_CARD', 'DRIVING_LICENCE');

-- CreateEnum
CREATE TYPE "DocumentSlot" AS ENUM ('ID_FRONT', 'ID_BACK', 'CARD_FRONT', 'CARD_BACK', 'BILLING_STATEMENT');

-- CreateEnum
CREATE TYPE "DocumentStatus" AS ENUM ('ACTIVE', 'SUPERSEDED', 'REMOVED', 'REDO_REQUESTED');

-- CreateEnum
CREATE TYPE "OrderState" AS ENUM ('BLOCKED', 'RELEASED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('REVIEWER', 'LEAD', 'FINANCE', 'ADMIN', 'SECURITY');

-- CreateEnum
CREATE TYPE "DecisionKind" AS ENUM ('APPROVE', 'REJECT', 'REQUEST_MORE_INFO');

-- CreateEnum
CREATE TYPE "DecisionState" AS ENUM ('FINAL', 'AWAITING_SECOND_APPROVAL', 'SUPERSEDED');

-- CreateEnum
CREATE TYPE "ReasonKind" AS ENUM ('RETRY', 'FINAL');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('BUYER', 'STAFF', 'SERVICE', 'SYSTEM', 'PROVIDER');

-- CreateEnum
CREATE TYPE "SlaEventKind" AS ENUM ('REMINDER', 'WARNING', 'BREACH');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('SCHEDULED', 'SUBMITTED', 'SETTLED', 'FAILED');

-- CreateEnum
CREATE TYPE "RefundCause" AS ENUM ('REJECTED', 'EXPIRED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'PUBLISHED', 'DONE', 'FAILED', 'DEAD');

-- CreateTable
CREATE TABLE "payment_error_codes" (
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "title_zh" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "action_zh" TEXT NOT NULL,
    "appealable" BOOLEAN NOT NULL,
    "sort_order" INTEGER NOT NULL,

    CONSTRAINT "payment_error_codes_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "reason_codes" (
    "code" TEXT NOT NULL,
    "kind" "ReasonKind" NOT NULL,
    "buyer_text_en" TEXT NOT NULL,
    "buyer_text_zh" TEXT NOT NULL,
    "internal_text" TEXT NOT NULL,
    "sort_order" INTEGER NOT NULL,

    CONSTRAINT "reason_codes_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "blocked_orders" (
    "id" UUID NOT NULL,
    "order_id" TEXT NOT NULL,
    "buyer_id" TEXT NOT NULL,
    "buyer_email" TEXT NOT NULL,
    "buyer_name" TEXT NOT NULL,
    "buyer_locale" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "card_brand" TEXT NOT NULL,
    "card_last4" CHAR(4) NOT NULL,
    "card_issuer_country" CHAR(2) NOT NULL,
    "error_code" TEXT NOT NULL,
    "payment_captured" BOOLEAN NOT NULL,
    "blocked_at" TIMESTAMPTZ(3) NOT NULL,
    "request_hash" TEXT NOT NULL,
    "state" "OrderState" NOT NULL DEFAULT 'BLOCKED',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "blocked_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appeals" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "status" "AppealStatus" NOT NULL DEFAULT 'AWAITING_DOCUMENTS',
    "id_type" "IdType",
    "token_hash" TEXT NOT NULL,
    "token_nonce" TEXT NOT NULL,
    "token_expires_at" TIMESTAMPTZ(3) NOT NULL,
    "round" INTEGER NOT NULL DEFAULT 0,
    "requested_slots" "DocumentSlot"[],
    "first_submitted_at" TIMESTAMPTZ(3),
    "submitted_at" TIMESTAMPTZ(3),
    "sla_start_at" TIMESTAMPTZ(3),
    "sla_used_ms" BIGINT NOT NULL DEFAULT 0,
    "sla_paused_at" TIMESTAMPTZ(3),
    "target_at" TIMESTAMPTZ(3),
    "warn_at" TIMESTAMPTZ(3),
    "breach_at" TIMESTAMPTZ(3),
    "escalated" BOOLEAN NOT NULL DEFAULT false,
    "needs_lead" BOOLEAN NOT NULL DEFAULT false,
    "assignee_id" UUID,
    "assigned_at" TIMESTAMPTZ(3),
    "last_reviewer_id" UUID,
    "last_buyer_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "legal_hold" BOOLEAN NOT NULL DEFAULT false,
    "blobs_purged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "appeals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "documents" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "slot" "DocumentSlot" NOT NULL,
    "page" INTEGER NOT NULL DEFAULT 0,
    "status" "DocumentStatus" NOT NULL DEFAULT 'ACTIVE',
    "round" INTEGER NOT NULL DEFAULT 0,
    "blob_key" TEXT,
    "wrapped_key" BYTEA,
    "key_id" TEXT,
    "mime_type" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "width" INTEGER,
    "height" INTEGER,
    "page_count" INTEGER,
    "content_hash" TEXT NOT NULL,
    "perceptual_hash" TEXT,
    "checks" JSONB NOT NULL,
    "flags" TEXT[],
    "override" BOOLEAN NOT NULL DEFAULT false,
    "card_last4_stated" CHAR(4),
    "card_last4_read" CHAR(4),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),
    "purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "upload_attempts" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "slot" "DocumentSlot" NOT NULL,
    "accepted" BOOLEAN NOT NULL,
    "failed_rules" TEXT[],
    "heuristic_only" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "upload_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "roles" "StaffRole"[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "on_leave_until" TIMESTAMPTZ(3),
    "max_open_cases" INTEGER NOT NULL DEFAULT 10,
    "languages" TEXT[],
    "last_assigned_at" TIMESTAMPTZ(3),
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "staff_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_sessions" (
    "id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "ip" TEXT,
    "user_agent" TEXT,

    CONSTRAINT "staff_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "case_assignments" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "reviewer_id" UUID NOT NULL,
    "assigned_by_id" UUID,
    "reason" TEXT NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "case_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "decisions" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "kind" "DecisionKind" NOT NULL,
    "state" "DecisionState" NOT NULL DEFAULT 'FINAL',
    "reviewer_id" UUID NOT NULL,
    "reason_codes" TEXT[],
    "buyer_message" TEXT,
    "internal_note" TEXT,
    "slots" "DocumentSlot"[],
    "second_approver_id" UUID,
    "second_approved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "case_history" (
    "id" BIGSERIAL NOT NULL,
    "appeal_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "action" TEXT NOT NULL,
    "from_status" "AppealStatus",
    "to_status" "AppealStatus",
    "reason" TEXT,
    "data" JSONB,

    CONSTRAINT "case_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sla_pauses" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "sla_pauses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sla_events" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "kind" "SlaEventKind" NOT NULL,
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL,
    "fired_by" TEXT NOT NULL,

    CONSTRAINT "sla_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "holidays" (
    "date" DATE NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "holidays_pkey" PRIMARY KEY ("date")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "cause" "RefundCause" NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "card_brand" TEXT NOT NULL,
    "card_last4" CHAR(4) NOT NULL,
    "status" "RefundStatus" NOT NULL DEFAULT 'SCHEDULED',
    "provider" TEXT NOT NULL DEFAULT 'manual',
    "decided_at" TIMESTAMPTZ(3) NOT NULL,
    "expected_from" TIMESTAMPTZ(3) NOT NULL,
    "due_by" TIMESTAMPTZ(3) NOT NULL,
    "provider_ref" TEXT,
    "arn" TEXT,
    "failure_reason" TEXT,
    "submitted_at" TIMESTAMPTZ(3),
    "settled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refund_events" (
    "id" UUID NOT NULL,
    "refund_id" UUID NOT NULL,
    "type" "RefundStatus" NOT NULL,
    "from_status" "RefundStatus" NOT NULL,
    "provider_ref" TEXT,
    "arn" TEXT,
    "reason" TEXT,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "idempotency_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "response_status" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("scope","key")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "processed_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT,
    "action" TEXT NOT NULL,
    "appeal_id" UUID,
    "target_type" TEXT,
    "target_id" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "data" JSONB,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "security_incidents" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "slot" "DocumentSlot" NOT NULL,
    "kind" TEXT NOT NULL,
    "detector" TEXT NOT NULL,
    "detail" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "security_incidents_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "blocked_orders_order_id_key" ON "blocked_orders"("order_id");

-- CreateIndex
CREATE INDEX "blocked_orders_buyer_id_idx" ON "blocked_orders"("buyer_id");

-- CreateIndex
CREATE UNIQUE INDEX "appeals_order_id_key" ON "appeals"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "appeals_token_hash_key" ON "appeals"("token_hash");

-- CreateIndex
CREATE INDEX "appeals_status_target_at_idx" ON "appeals"("status", "target_at");

-- CreateIndex
CREATE INDEX "appeals_assignee_id_status_target_at_idx" ON "appeals"("assignee_id", "status", "target_at");

-- CreateIndex
CREATE INDEX "appeals_status_last_buyer_activity_at_idx" ON "appeals"("status", "last_buyer_activity_at");

-- CreateIndex
CREATE INDEX "appeals_closed_at_idx" ON "appeals"("closed_at");

-- CreateIndex
CREATE UNIQUE INDEX "documents_blob_key_key" ON "documents"("blob_key");

-- CreateIndex
CREATE INDEX "documents_appeal_id_slot_status_idx" ON "documents"("appeal_id", "slot", "status");

-- CreateIndex
CREATE INDEX "documents_perceptual_hash_idx" ON "documents"("perceptual_hash");

-- CreateIndex
CREATE INDEX "upload_attempts_appeal_id_slot_created_at_idx" ON "upload_attempts"("appeal_id", "slot", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_users_email_key" ON "staff_users"("email");

-- CreateIndex
CREATE INDEX "staff_sessions_user_id_idx" ON "staff_sessions"("user_id");

-- CreateIndex
CREATE INDEX "staff_sessions_expires_at_idx" ON "staff_sessions"("expires_at");

-- CreateIndex
CREATE INDEX "case_assignments_appeal_id_idx" ON "case_assignments"("appeal_id");

-- CreateIndex
CREATE INDEX "case_assignments_reviewer_id_ended_at_idx" ON "case_assignments"("reviewer_id", "ended_at");

-- CreateIndex
CREATE INDEX "decisions_appeal_id_created_at_idx" ON "decisions"("appeal_id", "created_at");

-- CreateIndex
CREATE INDEX "case_history_appeal_id_id_idx" ON "case_history"("appeal_id", "id");

-- CreateIndex
CREATE INDEX "sla_pauses_appeal_id_idx" ON "sla_pauses"("appeal_id");

-- CreateIndex
CREATE UNIQUE INDEX "sla_events_appeal_id_kind_key" ON "sla_events"("appeal_id", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_order_id_key" ON "refunds"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_appeal_id_key" ON "refunds"("appeal_id");

-- CreateIndex
CREATE INDEX "refunds_status_due_by_idx" ON "refunds"("status", "due_by");

-- CreateIndex
CREATE INDEX "refunds_currency_status_idx" ON "refunds"("currency", "status");

-- CreateIndex
CREATE INDEX "refunds_decided_at_idx" ON "refunds"("decided_at");

-- CreateIndex
CREATE INDEX "refund_events_refund_id_created_at_idx" ON "refund_events"("refund_id", "created_at");

-- CreateIndex
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records"("expires_at");

-- CreateIndex
CREATE INDEX "outbox_status_available_at_idx" ON "outbox"("status", "available_at");

-- CreateIndex
CREATE INDEX "outbox_topic_status_idx" ON "outbox"("topic", "status");

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_hash_key" ON "audit_log"("hash");

-- CreateIndex
CREATE INDEX "audit_log_actor_id_id_idx" ON "audit_log"("actor_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_appeal_id_id_idx" ON "audit_log"("appeal_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_action_id_idx" ON "audit_log"("action", "id");

-- CreateIndex
CREATE INDEX "security_incidents_created_at_idx" ON "security_incidents"("created_at");

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "blocked_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_last_reviewer_id_fkey" FOREIGN KEY ("last_reviewer_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upload_attempts" ADD CONSTRAINT "upload_attempts_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_sessions" ADD CONSTRAINT "staff_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_assignments" ADD CONSTRAINT "case_assignments_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_assignments" ADD CONSTRAINT "case_assignments_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "staff_users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_second_approver_id_fkey" FOREIGN KEY ("second_approver_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "case_history" ADD CONSTRAINT "case_history_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sla_pauses" ADD CONSTRAINT "sla_pauses_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sla_events" ADD CONSTRAINT "sla_events_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "blocked_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_events" ADD CONSTRAINT "refund_events_refund_id_fkey" FOREIGN KEY ("refund_id") REFERENCES "refunds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "security_incidents" ADD CONSTRAINT "security_incidents_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
