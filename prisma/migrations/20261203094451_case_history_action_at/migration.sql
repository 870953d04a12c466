-- CreateIndex
CREATE INDEX "case_history_action_at_idx" ON "case_history"("action", "at");
