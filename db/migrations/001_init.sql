-- 001_init.sql - the whole first schema.
--
-- Times are DATETIME(3) in UTC: every connection sets time_zone '+00:00'
-- and the database's clock is the one clock (UTC_TIMESTAMP(3)). An active
-- session stores its absolute end (fin_prevue); its remaining time is
-- derived from it, never counted down in the table.

CREATE TABLE staff (
  id            INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(64)  NOT NULL,
  nom           VARCHAR(128) NOT NULL,
  role          ENUM('admin','agent') NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  actif         TINYINT(1)   NOT NULL DEFAULT 1,
  created_at    DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at    DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY uq_staff_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Logged-in staff: only the SHA-256 of the cookie is kept.
CREATE TABLE staff_sessions (
  token_hash  BINARY(32)   NOT NULL PRIMARY KEY,
  staff_id    INT UNSIGNED NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  expires_at  DATETIME(3)  NOT NULL,
  ip          VARCHAR(45)  NOT NULL DEFAULT '',
  KEY ix_staff_sessions_staff (staff_id),
  KEY ix_staff_sessions_expires (expires_at),
  CONSTRAINT fk_staff_sessions_staff FOREIGN KEY (staff_id)
    REFERENCES staff (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE utilisateurs (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  nom         VARCHAR(100) NOT NULL,
  prenom      VARCHAR(100) NOT NULL,
  email       VARCHAR(254) NULL,
  telephone   VARCHAR(32)  NULL,
  notes       VARCHAR(1000) NULL,
  actif       TINYINT(1)   NOT NULL DEFAULT 1,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY uq_utilisateurs_email (email),
  KEY ix_utilisateurs_nom (nom, prenom),
  KEY ix_utilisateurs_prenom (prenom),
  KEY ix_utilisateurs_created (created_at),
  KEY ix_utilisateurs_actif (actif)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A workstation. etat is kept by the transitions that change it (each
-- with its event); maintenance is a staff decision that survives them.
CREATE TABLE postes (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  nom         VARCHAR(64)  NOT NULL,
  emplacement VARCHAR(128) NOT NULL DEFAULT '',
  etat        ENUM('disponible','occupe','hors_ligne','maintenance')
                NOT NULL DEFAULT 'hors_ligne',
  token_hash  BINARY(32)   NOT NULL,
  last_seen   DATETIME(3)  NULL,
  actif       TINYINT(1)   NOT NULL DEFAULT 1,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY uq_postes_nom (nom),
  UNIQUE KEY uq_postes_token (token_hash),
  KEY ix_postes_etat (etat, last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A time allowance. temps_restant is the balance in seconds while the
-- session is not running; while active, fin_prevue is the truth.
-- The two generated columns let the database itself refuse a second live
-- session with the same code and a second active session on one poste
-- (VARCHAR, not CHAR: a CHAR expression depends on sql_mode and MariaDB
-- refuses it in a generated column).
CREATE TABLE sessions (
  id              INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  utilisateur_id  INT UNSIGNED NOT NULL,
  poste_id        INT UNSIGNED NULL,
  code            VARCHAR(6)   NOT NULL,
  statut          ENUM('en_attente','active','suspendue','terminee')
                    NOT NULL DEFAULT 'en_attente',
  raison          ENUM('fermeture_normale','temps_ecoule','admin','expiree') NULL,
  duree_totale    INT UNSIGNED NOT NULL,
  temps_restant   INT UNSIGNED NOT NULL,
  fin_prevue      DATETIME(3)  NULL,
  valide_jusqu    DATETIME(3)  NOT NULL,
  -- Warnings have been given down to this many seconds left (NULL: none
  -- yet); a warning fires when the time left crosses a threshold below it.
  averti_jusqu    INT UNSIGNED NULL,
  created_by      INT UNSIGNED NULL,
  created_at      DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  started_at      DATETIME(3)  NULL,
  ended_at        DATETIME(3)  NULL,
  updated_at      DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  code_vivant     VARCHAR(6) AS (IF(statut = 'terminee', NULL, code)) PERSISTENT,
  poste_actif     INT UNSIGNED AS (IF(statut = 'active', poste_id, NULL)) PERSISTENT,
  UNIQUE KEY uq_sessions_code_vivant (code_vivant),
  UNIQUE KEY uq_sessions_poste_actif (poste_actif),
  KEY ix_sessions_statut_fin (statut, fin_prevue),
  KEY ix_sessions_statut_valide (statut, valide_jusqu),
  KEY ix_sessions_ended (ended_at),
  KEY ix_sessions_utilisateur (utilisateur_id, created_at),
  KEY ix_sessions_created (created_at),
  CONSTRAINT fk_sessions_utilisateur FOREIGN KEY (utilisateur_id)
    REFERENCES utilisateurs (id),
  CONSTRAINT fk_sessions_poste FOREIGN KEY (poste_id)
    REFERENCES postes (id),
  CONSTRAINT fk_sessions_staff FOREIGN KEY (created_by)
    REFERENCES staff (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outbox. Ids come from event_seq (see shared/ev.c), not from
-- AUTO_INCREMENT, so that they become visible in commit order.
CREATE TABLE event_seq (
  id       TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  last_id  BIGINT UNSIGNED  NOT NULL
) ENGINE=InnoDB;
INSERT INTO event_seq VALUES (1, 0);

CREATE TABLE events (
  id          BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  type        VARCHAR(32)  NOT NULL,
  channels    INT UNSIGNED NOT NULL,
  session_id  INT UNSIGNED NULL,
  poste_id    INT UNSIGNED NULL,
  payload     MEDIUMTEXT   NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY ix_events_session (session_id, id),
  KEY ix_events_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  staff_id    INT UNSIGNED NULL,
  action      VARCHAR(64)  NOT NULL,
  cible_type  VARCHAR(32)  NOT NULL DEFAULT '',
  cible_id    BIGINT UNSIGNED NULL,
  detail      VARCHAR(2000) NOT NULL DEFAULT '',
  ip          VARCHAR(45)  NOT NULL DEFAULT '',
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY ix_audit_staff (staff_id, created_at),
  KEY ix_audit_created (created_at),
  CONSTRAINT fk_audit_staff FOREIGN KEY (staff_id)
    REFERENCES staff (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Guessing throttle: failures per key ("login-ip:1.2.3.4",
-- "login-user:bob", "code-poste:3") in a window, then a lock-out.
CREATE TABLE throttle (
  k             VARCHAR(160) NOT NULL PRIMARY KEY,
  failures      INT UNSIGNED NOT NULL DEFAULT 0,
  window_start  DATETIME(3)  NOT NULL,
  blocked_until DATETIME(3)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
