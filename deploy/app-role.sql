-- The application's own database role. Migrations run as the schema OWNER (npm run db:migrate); the API
-- and the workers connect as appeal_app, which may read and write every table but only SELECT and INSERT
-- on audit_log: it cannot UPDATE, DELETE or TRUNCATE the audit trail, and, not being the owner, cannot
-- disable the append-only trigger either. Run as the owner after each migration (new tables):
--   psql "$OWNER_DATABASE_URL" -f deploy/app-role.sql
-- Create the role once beforehand: CREATE ROLE appeal_app LOGIN PASSWORD '<generated>'
-- and give the API/workers DATABASE_URL=postgresql://appeal_app:<generated>@host/db
GRANT USAGE ON SCHEMA public TO appeal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO appeal_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO appeal_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM appeal_app;
-- a shard chain's head only moves forward (trigger audit_chain_heads_forward); it is never deleted
REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM appeal_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _prisma_migrations FROM appeal_app;
