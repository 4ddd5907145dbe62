-- 006_stats_summary.sql - per-period summaries for the statistics (issue 9,
-- item 7: every report under 300 ms on a year of 200,000 sessions).
--
-- Two summary tables hold, for every session that is not running
-- (statut <> 'active') and has started, its count and its time used
-- (duree_totale - temps_restant, at least 0), the very definition the
-- reports use (fcgi-api/api/stats.c):
--   stats_heures (h = UTC hour since 1970, categorie_id)
--   stats_postes_jours (j = UTC day since 1970, poste_id)
-- UTC, because MariaDB has no time-zone tables here: the reports hand
-- local midnights as UTC instants; in a whole-hour zone (France) they
-- fall on UTC hours, so stats_heures answers whole buckets, and
-- stats_postes_jours answers the whole UTC days inside a range, the raw
-- table the two partial edge days. Running sessions (their time used
-- grows) are always read raw: a handful of rows.
--
-- Maintained by triggers on sessions, in the transaction that writes the
-- session, whoever writes it (state machine, sweep, RGPD, demo-stats): a
-- row's old contribution is taken out and its new one put in, only when
-- a column that counts changed. Anonymisation changes utilisateur_id
-- only, which these tables do not hold: the figures stay; distinct
-- people are counted from sessions (anonymised sessions name nobody).
-- poste_id NULL is stored as 0.

CREATE TABLE IF NOT EXISTS stats_heures (
  h             INT UNSIGNED NOT NULL,
  categorie_id  INT UNSIGNED NOT NULL,
  n             INT NOT NULL,
  sec           BIGINT NOT NULL,
  PRIMARY KEY (h, categorie_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS stats_postes_jours (
  j             INT UNSIGNED NOT NULL,
  poste_id      INT UNSIGNED NOT NULL,
  n             INT NOT NULL,
  sec           BIGINT NOT NULL,
  PRIMARY KEY (j, poste_id)
) ENGINE=InnoDB;

-- Distinct people are counted from sessions (raw): per bucket, category
-- and site over a narrow index of the range; over the whole range by one
-- probe per person.
ALTER TABLE sessions
  ADD KEY IF NOT EXISTS ix_sessions_personnes (started_at, utilisateur_id,
    poste_id),
  ADD KEY IF NOT EXISTS ix_sessions_personne (utilisateur_id, started_at);

DROP TRIGGER IF EXISTS tr_sessions_stats_ins;
DROP TRIGGER IF EXISTS tr_sessions_stats_upd;
DROP TRIGGER IF EXISTS tr_sessions_stats_del;

DELIMITER //
CREATE TRIGGER tr_sessions_stats_ins AFTER INSERT ON sessions FOR EACH ROW
BEGIN
  DECLARE u BIGINT;
  IF NEW.statut <> 'active' AND NEW.started_at IS NOT NULL THEN
    SET u = GREATEST(0, CAST(NEW.duree_totale AS SIGNED) -
      CAST(NEW.temps_restant AS SIGNED));
    INSERT INTO stats_heures (h, categorie_id, n, sec) VALUES
      (TIMESTAMPDIFF(HOUR, '1970-01-01', NEW.started_at), NEW.categorie_id, 1, u)
      ON DUPLICATE KEY UPDATE n = n + 1, sec = sec + u;
    INSERT INTO stats_postes_jours (j, poste_id, n, sec) VALUES
      (TIMESTAMPDIFF(DAY, '1970-01-01', NEW.started_at), COALESCE(NEW.poste_id, 0), 1, u)
      ON DUPLICATE KEY UPDATE n = n + 1, sec = sec + u;
  END IF;
END//

CREATE TRIGGER tr_sessions_stats_upd AFTER UPDATE ON sessions FOR EACH ROW
BEGIN
  DECLARE u BIGINT;
  IF NOT ((OLD.statut = 'active') <=> (NEW.statut = 'active')
      AND OLD.started_at <=> NEW.started_at
      AND OLD.categorie_id <=> NEW.categorie_id
      AND OLD.poste_id <=> NEW.poste_id
      AND OLD.duree_totale <=> NEW.duree_totale
      AND OLD.temps_restant <=> NEW.temps_restant) THEN
    IF OLD.statut <> 'active' AND OLD.started_at IS NOT NULL THEN
      SET u = GREATEST(0, CAST(OLD.duree_totale AS SIGNED) -
        CAST(OLD.temps_restant AS SIGNED));
      UPDATE stats_heures SET n = n - 1, sec = sec - u
        WHERE h = TIMESTAMPDIFF(HOUR, '1970-01-01', OLD.started_at)
        AND categorie_id = OLD.categorie_id;
      UPDATE stats_postes_jours SET n = n - 1, sec = sec - u
        WHERE j = TIMESTAMPDIFF(DAY, '1970-01-01', OLD.started_at)
        AND poste_id = COALESCE(OLD.poste_id, 0);
    END IF;
    IF NEW.statut <> 'active' AND NEW.started_at IS NOT NULL THEN
      SET u = GREATEST(0, CAST(NEW.duree_totale AS SIGNED) -
        CAST(NEW.temps_restant AS SIGNED));
      INSERT INTO stats_heures (h, categorie_id, n, sec) VALUES
        (TIMESTAMPDIFF(HOUR, '1970-01-01', NEW.started_at), NEW.categorie_id, 1, u)
        ON DUPLICATE KEY UPDATE n = n + 1, sec = sec + u;
      INSERT INTO stats_postes_jours (j, poste_id, n, sec) VALUES
        (TIMESTAMPDIFF(DAY, '1970-01-01', NEW.started_at), COALESCE(NEW.poste_id, 0), 1, u)
        ON DUPLICATE KEY UPDATE n = n + 1, sec = sec + u;
    END IF;
  END IF;
END//

CREATE TRIGGER tr_sessions_stats_del AFTER DELETE ON sessions FOR EACH ROW
BEGIN
  DECLARE u BIGINT;
  IF OLD.statut <> 'active' AND OLD.started_at IS NOT NULL THEN
    SET u = GREATEST(0, CAST(OLD.duree_totale AS SIGNED) -
      CAST(OLD.temps_restant AS SIGNED));
    UPDATE stats_heures SET n = n - 1, sec = sec - u
      WHERE h = TIMESTAMPDIFF(HOUR, '1970-01-01', OLD.started_at)
      AND categorie_id = OLD.categorie_id;
    UPDATE stats_postes_jours SET n = n - 1, sec = sec - u
      WHERE j = TIMESTAMPDIFF(DAY, '1970-01-01', OLD.started_at)
      AND poste_id = COALESCE(OLD.poste_id, 0);
  END IF;
END//
DELIMITER ;

-- Backfill: what the triggers would have written for the rows already
-- there (the triggers exist now, so nothing is counted twice).
DELETE FROM stats_heures;
DELETE FROM stats_postes_jours;
INSERT INTO stats_heures (h, categorie_id, n, sec)
  SELECT TIMESTAMPDIFF(HOUR, '1970-01-01', started_at), categorie_id, COUNT(*),
    SUM(GREATEST(0, CAST(duree_totale AS SIGNED) - CAST(temps_restant AS SIGNED)))
  FROM sessions WHERE statut <> 'active' AND started_at IS NOT NULL
  GROUP BY 1, 2;
INSERT INTO stats_postes_jours (j, poste_id, n, sec)
  SELECT TIMESTAMPDIFF(DAY, '1970-01-01', started_at), COALESCE(poste_id, 0),
    COUNT(*), SUM(GREATEST(0, CAST(duree_totale AS SIGNED) -
    CAST(temps_restant AS SIGNED)))
  FROM sessions WHERE statut <> 'active' AND started_at IS NOT NULL
  GROUP BY 1, 2;
