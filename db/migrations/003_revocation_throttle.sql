-- 003_revocation_throttle.sql - staff sessions get a number, so that a
-- stream ticket can name the session it came from and die with it; the
-- throttle keeps a back-off level per key.
--
-- A ticket is "s.<staff>.<staff session id>..." (see shared/crypto.h):
-- the pusher checks on every (re)connect that this row still exists,
-- is not expired and belongs to an active account. The token hash stays
-- the primary key; the id is only a stable, non-secret handle.

ALTER TABLE staff_sessions
  ADD COLUMN IF NOT EXISTS id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE FIRST;

-- Exponential back-off (fcgi-api/throttle.c): level n blocks for
-- base * 2^(n-1) seconds, capped; it decays when the key stays quiet.
ALTER TABLE throttle
  ADD COLUMN IF NOT EXISTS level INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS last_fail DATETIME(3) NULL;
