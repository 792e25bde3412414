-- The SQLite migration of this name rewrites constraints so bulk INSERTs need no statement
-- journal; PostgreSQL keeps no such journal, so its schema stays as it is. This migration
-- keeps the two backends' migration histories in step.
SELECT 1;
