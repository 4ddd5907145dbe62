-- 004_desk_rules.sql - what the desk's rules (shared/rules.c, sweep.c)
-- need beside 002: the closing instant that caps a running session, the
-- closing warnings already given, and guest-pass batches.
--
-- ferme_a: set when a session's end was capped by its site's closing
-- (start, extension, or hours changed while it ran); the sweep then ends
-- it with raison fermeture_site instead of temps_ecoule.
-- averti_fermeture: like averti_jusqu, the lowest closing-warning
-- threshold (seconds) already announced, so each fires once.

ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS ferme_a DATETIME(3) NULL AFTER fin_prevue,
  ADD COLUMN IF NOT EXISTS averti_fermeture INT UNSIGNED NULL AFTER averti_jusqu,
  ADD COLUMN IF NOT EXISTS lot_id INT UNSIGNED NULL AFTER invite;

-- A batch of guest passes printed on one sheet.
CREATE TABLE IF NOT EXISTS invite_lots (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  nombre      SMALLINT UNSIGNED NOT NULL,
  duree       INT UNSIGNED NOT NULL,
  valide_jusqu DATETIME(3) NOT NULL,
  created_by  INT UNSIGNED NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY ix_invite_lots_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE sessions
  ADD KEY IF NOT EXISTS ix_sessions_lot (lot_id),
  ADD CONSTRAINT fk_sessions_lot FOREIGN KEY IF NOT EXISTS (lot_id)
    REFERENCES invite_lots (id);
