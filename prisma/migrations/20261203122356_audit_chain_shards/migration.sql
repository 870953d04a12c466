-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "chain" SMALLINT NOT NULL DEFAULT 0,
ADD COLUMN     "seq" BIGINT;

-- CreateTable
CREATE TABLE "audit_chain_heads" (
    "chain" SMALLINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "last_id" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("chain")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_chain_seq_key" ON "audit_log"("chain", "seq");

-- CreateIndex
CREATE INDEX "audit_log_chain_id_idx" ON "audit_log"("chain", "id");

-- The shard chains start at the genesis hash (audit.service.ts AUDIT_SHARDS = 16 rows).
INSERT INTO "audit_chain_heads" ("chain", "seq", "last_id", "hash")
  SELECT g, 0, 0, repeat('0', 64) FROM generate_series(1, 16) AS g;

-- A head only moves forward: no DELETE, no TRUNCATE, no UPDATE that changes the chain or does not raise seq
-- (same E'' quoting as audit_log_append_only: the driver adapter splits scripts at each semicolon).
CREATE FUNCTION "audit_chain_heads_forward_only"() RETURNS trigger LANGUAGE plpgsql AS
  E'BEGIN IF TG_OP = ''UPDATE'' AND NEW.chain = OLD.chain AND NEW.seq > OLD.seq THEN RETURN NEW\073 END IF\073 RAISE EXCEPTION ''audit_chain_heads only moves forward (% refused)'', TG_OP USING ERRCODE = ''42501''\073 END\073';
CREATE TRIGGER "audit_chain_heads_forward" BEFORE UPDATE OR DELETE ON "audit_chain_heads"
  FOR EACH ROW EXECUTE FUNCTION "audit_chain_heads_forward_only"();
CREATE TRIGGER "audit_chain_heads_no_truncate" BEFORE TRUNCATE ON "audit_chain_heads"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_chain_heads_forward_only"();
REVOKE DELETE, TRUNCATE ON "audit_chain_heads" FROM PUBLIC;
