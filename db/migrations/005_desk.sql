-- 005_desk.sql - the desk's tools: staff messages to postes, reservations
-- of a poste for a slot, and what statistics, the audit viewer and the
-- RGPD duties need (indexes, anonymisation marks).
--
-- Times are DATETIME(3) UTC like everywhere (see 001).

-- A message from staff. cible: one poste, every poste of a site (the
-- postes are listed at sending time in message_postes), or every staff
-- dashboard (a system notice, no poste). The text is limited to 500
-- characters by the API.
CREATE TABLE IF NOT EXISTS messages (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cible       ENUM('poste','site','staff') NOT NULL,
  poste_id    INT UNSIGNED NULL,
  site_id     INT UNSIGNED NULL,
  texte       VARCHAR(1000) NOT NULL,
  staff_id    INT UNSIGNED NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY ix_messages_created (created_at),
  KEY ix_messages_poste (poste_id, created_at),
  CONSTRAINT fk_messages_poste FOREIGN KEY (poste_id)
    REFERENCES postes (id) ON DELETE SET NULL,
  CONSTRAINT fk_messages_site FOREIGN KEY (site_id)
    REFERENCES sites (id) ON DELETE SET NULL,
  CONSTRAINT fk_messages_staff FOREIGN KEY (staff_id)
    REFERENCES staff (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per poste a message reached, with its acknowledgement.
CREATE TABLE IF NOT EXISTS message_postes (
  message_id  INT UNSIGNED NOT NULL,
  poste_id    INT UNSIGNED NOT NULL,
  acquitte_at DATETIME(3)  NULL,
  PRIMARY KEY (message_id, poste_id),
  KEY ix_message_postes_poste (poste_id, acquitte_at),
  CONSTRAINT fk_message_postes_message FOREIGN KEY (message_id)
    REFERENCES messages (id) ON DELETE CASCADE,
  CONSTRAINT fk_message_postes_poste FOREIGN KEY (poste_id)
    REFERENCES postes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A poste reserved for a slot [debut, fin), for a registered person or a
-- walk-in's name (exactly one of the two). prevue -> honoree (the
-- person's session started there), liberee (no-show past the delay),
-- annulee (staff). Overlaps are refused by shared/resa.c under the
-- poste's row lock.
CREATE TABLE IF NOT EXISTS reservations (
  id              INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  poste_id        INT UNSIGNED NOT NULL,
  utilisateur_id  INT UNSIGNED NULL,
  nom_libre       VARCHAR(100) NULL,
  debut           DATETIME(3)  NOT NULL,
  fin             DATETIME(3)  NOT NULL,
  statut          ENUM('prevue','honoree','liberee','annulee')
                    NOT NULL DEFAULT 'prevue',
  session_id      INT UNSIGNED NULL,
  created_by      INT UNSIGNED NULL,
  created_at      DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at      DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY ix_reservations_poste (poste_id, debut),
  KEY ix_reservations_statut (statut, debut),
  KEY ix_reservations_utilisateur (utilisateur_id),
  CONSTRAINT ck_reservations_ordre CHECK (debut < fin),
  CONSTRAINT fk_reservations_poste FOREIGN KEY (poste_id)
    REFERENCES postes (id) ON DELETE CASCADE,
  CONSTRAINT fk_reservations_utilisateur FOREIGN KEY (utilisateur_id)
    REFERENCES utilisateurs (id) ON DELETE SET NULL,
  CONSTRAINT fk_reservations_session FOREIGN KEY (session_id)
    REFERENCES sessions (id) ON DELETE SET NULL,
  CONSTRAINT fk_reservations_staff FOREIGN KEY (created_by)
    REFERENCES staff (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Statistics read sessions by start time: one covering index answers
-- every report without touching the rows (docs/api.md, make bench).
-- anonymise: the RGPD sweep removed the link to the person (1).
ALTER TABLE sessions
  ADD COLUMN IF NOT EXISTS anonymise TINYINT(1) NOT NULL DEFAULT 0,
  ADD KEY IF NOT EXISTS ix_sessions_stats (started_at, poste_id,
    categorie_id, utilisateur_id, statut, duree_totale, temps_restant,
    fin_prevue);

-- The audit viewer filters by action and by object.
ALTER TABLE audit_log
  ADD KEY IF NOT EXISTS ix_audit_action (action, created_at),
  ADD KEY IF NOT EXISTS ix_audit_cible (cible_type, cible_id);

-- A kiosk polls its poste's channel (postes/<id>).
ALTER TABLE events
  ADD KEY IF NOT EXISTS ix_events_poste (poste_id, id);
