-- AlterTable
ALTER TABLE "appeals" ADD COLUMN     "pending_token_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "pending_token_hash" TEXT,
ADD COLUMN     "pending_token_nonce" TEXT;

-- AlterTable
ALTER TABLE "staff_users" ADD COLUMN     "totp_enabled_at" TIMESTAMPTZ(3),
ADD COLUMN     "totp_last_step" INTEGER,
ADD COLUMN     "totp_secret" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "appeals_pending_token_hash_key" ON "appeals"("pending_token_hash");

-- The audit trail is append-only in the database too: no UPDATE, DELETE or TRUNCATE, whoever asks
-- (a superuser can still disable triggers: that is what the keyed chain and the signed head export are
-- for). The application's own role gets only SELECT and INSERT on it: see deploy/app-role.sql.
-- (the body is an E'' string with octal 073 for its semicolons: the driver adapter splits scripts at each semicolon)
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN RAISE EXCEPTION ''audit_log is append-only (% refused)'', TG_OP USING ERRCODE = ''42501''\073 END\073';
CREATE TRIGGER "audit_log_no_change" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log" FROM PUBLIC;
