-- CreateIndex
CREATE INDEX "appeals_open_target_at_id_idx" ON "appeals"("target_at", "id") WHERE (status = ANY (ARRAY['SUBMITTED'::"AppealStatus", 'IN_REVIEW'::"AppealStatus"]));

-- CreateIndex
CREATE INDEX "case_assignments_reviewer_id_appeal_id_idx" ON "case_assignments"("reviewer_id", "appeal_id");
