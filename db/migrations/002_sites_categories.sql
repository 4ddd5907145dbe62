-- 002_sites_categories.sql - sites with opening hours, person categories
-- with quotas, and sessions that belong to nobody (guest passes, and the
-- history of a person erased or anonymised under the RGPD).
--
-- Opening hours are wall-clock times of POSTES_TZ (the town hall's zone);
-- the rules in shared/ convert them against the database's UTC clock.
-- A poste with no site has no opening hours (always open), so an
-- installation that never declares a site behaves as before.

CREATE TABLE IF NOT EXISTS sites (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  nom         VARCHAR(128) NOT NULL,
  adresse     VARCHAR(255) NOT NULL DEFAULT '',
  actif       TINYINT(1)   NOT NULL DEFAULT 1,
  created_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at  DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY uq_sites_nom (nom)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Weekly hours: any number of slots a day (morning and afternoon).
-- jour is ISO: 1 = lundi ... 7 = dimanche. A day without a slot is closed.
CREATE TABLE IF NOT EXISTS site_horaires (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     INT UNSIGNED NOT NULL,
  jour        TINYINT UNSIGNED NOT NULL,
  ouverture   TIME NOT NULL,
  fermeture   TIME NOT NULL,
  KEY ix_site_horaires (site_id, jour, ouverture),
  CONSTRAINT ck_site_horaires_jour CHECK (jour BETWEEN 1 AND 7),
  CONSTRAINT ck_site_horaires_ordre CHECK (ouverture < fermeture),
  CONSTRAINT fk_site_horaires_site FOREIGN KEY (site_id)
    REFERENCES sites (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Closure days (public holidays, works): the whole local day is closed.
CREATE TABLE IF NOT EXISTS site_fermetures (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id     INT UNSIGNED NOT NULL,
  jour        DATE NOT NULL,
  motif       VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uq_site_fermetures (site_id, jour),
  CONSTRAINT fk_site_fermetures_site FOREIGN KEY (site_id)
    REFERENCES sites (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The free-text emplacement stays as the place inside the site ("salle 2");
-- every distinct one becomes a site the postes point to.
ALTER TABLE postes ADD COLUMN IF NOT EXISTS site_id INT UNSIGNED NULL AFTER nom;
INSERT IGNORE INTO sites (nom)
  SELECT DISTINCT emplacement FROM postes WHERE emplacement <> '';
UPDATE postes p JOIN sites s ON s.nom = p.emplacement
   SET p.site_id = s.id WHERE p.site_id IS NULL;
ALTER TABLE postes
  ADD KEY IF NOT EXISTS ix_postes_site (site_id),
  ADD CONSTRAINT fk_postes_site FOREIGN KEY IF NOT EXISTS (site_id)
    REFERENCES sites (id) ON DELETE SET NULL;

-- Person categories. Quotas and durations in seconds; NULL quota: none.
CREATE TABLE IF NOT EXISTS categories (
  id             INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code           VARCHAR(32)  NOT NULL,
  nom            VARCHAR(100) NOT NULL,
  quota_jour     INT UNSIGNED NULL,
  quota_semaine  INT UNSIGNED NULL,
  duree_defaut   INT UNSIGNED NOT NULL DEFAULT 3600,
  actif          TINYINT(1)   NOT NULL DEFAULT 1,
  created_at     DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at     DATETIME(3)  NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY uq_categories_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- id 1 is the default of every person; 'invite' is the walk-ins' category.
INSERT IGNORE INTO categories (id, code, nom, quota_jour, quota_semaine, duree_defaut) VALUES
  (1, 'adulte', 'Adulte', NULL, NULL, 3600),
  (2, 'jeune',  'Jeune',  7200, 36000, 3600),
  (3, 'invite', 'Invité', 3600, NULL, 1800);

ALTER TABLE utilisateurs
  ADD COLUMN IF NOT EXISTS categorie_id INT UNSIGNED NOT NULL DEFAULT 1 AFTER prenom,
  ADD KEY IF NOT EXISTS ix_utilisateurs_categorie (categorie_id),
  ADD CONSTRAINT fk_utilisateurs_categorie FOREIGN KEY IF NOT EXISTS (categorie_id)
    REFERENCES categories (id);

-- A session now may belong to nobody: a guest pass (invite = 1), or a
-- history whose person was anonymised or erased. Its category is copied
-- when it is created, so statistics survive the person. fermeture_site:
-- ended because its site closed.
ALTER TABLE sessions
  MODIFY utilisateur_id INT UNSIGNED NULL,
  MODIFY raison ENUM('fermeture_normale','temps_ecoule','admin','expiree',
                     'fermeture_site') NULL,
  ADD COLUMN IF NOT EXISTS categorie_id INT UNSIGNED NOT NULL DEFAULT 1 AFTER utilisateur_id,
  ADD COLUMN IF NOT EXISTS invite TINYINT(1) NOT NULL DEFAULT 0 AFTER categorie_id,
  ADD KEY IF NOT EXISTS ix_sessions_categorie (categorie_id, created_at),
  ADD CONSTRAINT fk_sessions_categorie FOREIGN KEY IF NOT EXISTS (categorie_id)
    REFERENCES categories (id);
UPDATE sessions s JOIN utilisateurs u ON u.id = s.utilisateur_id
   SET s.categorie_id = u.categorie_id;
