/*
 * admin/lang.c - the admin pages in English too, with the dashboard's
 * switch: one cookie, postes_lang (fr|en), read by both. The dashboard
 * writes it from JavaScript when its language changes (so it is not
 * HttpOnly: a preference, not a secret), the admin pages from their
 * header's link (GET /admin/langue?l=en). French is the default.
 *
 * One table, French -> English, and every text a page writes itself
 * passes through it: the page writers (admin_begin, labels, buttons,
 * table heads, select options, error boxes, flash messages) call
 * admin_tr(); a text written directly goes through admin_tr() or, when
 * it is a sentence, admin_trf().
 *
 * A text with numbers, dates or names is one entry for the whole
 * sentence, its printf format ("Envoyé le %s par %s" -> "Sent %s by
 * %s"), rather than pieces glued in code: the word order stays with the
 * words, in one place, and the compiler checks the French format against
 * the arguments (admin_trf's format attribute). The English must keep the
 * same conversions in the same order, which tests/integration/
 * admin-english.test.mjs checks for every entry. A date's strftime
 * format is an entry too ("%d/%m/%Y à %H:%M"), used by admin_date(). A
 * count has two entries, singular and plural, and admin_trn() picks one
 * by the language's rule: French is singular below 2 ("0 résultat"),
 * English only for 1 ("0 results").
 *
 * admin_trf() writes its format as the program's markup (it is a literal
 * of this table or of a page, like hb_raw's), so a sentence may hold its
 * <strong> or <code>, and its arguments as escaped text. Texts that come
 * from the API (refusals quoted in an error box) and data (names of
 * sites, postes, people) are not in the table and stay as they are.
 *
 * Groups below: chrome, titles, labels and buttons, table heads, states,
 * the overview's counters, headings and sentences, formats, the pages'
 * own refusals, flash messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "extern.h"

#define LANG_COOKIE	"postes_lang"

static const struct { const char *fr, *en; } words[] = {
	/* chrome */
	{ "Accueil", "Home" }, { "Sessions", "Sessions" },
	{ "Utilisateurs", "People" }, { "Postes", "Workstations" },
	{ "Passes invités", "Guest passes" }, { "Sites", "Sites" },
	{ "Catégories", "Categories" }, { "Personnel", "Staff" },
	{ "Messages", "Messages" }, { "Réservations", "Reservations" },
	{ "Statistiques", "Statistics" }, { "Journal", "Audit log" },
	{ "Se déconnecter", "Log out" }, { "Tableau de bord", "Overview" },
	{ "Connexion", "Log in" }, { "Se connecter", "Log in" },
	{ "Postes · administration", "Postes · administration" },
	{ "Menu principal", "Main menu" },
	{ " (administrateur)", " (administrator)" }, { " (agent)", " (agent)" },
	{ "Retour à l'accueil", "Back to home" },
	/* titles */
	{ "Catégories et quotas", "Categories and quotas" },
	{ "Feuille de passes invités", "Guest pass sheet" },
	{ "Horaires d'un site", "A site's opening hours" },
	{ "Modifier un compte", "Edit an account" },
	{ "Modifier un poste", "Edit a workstation" },
	{ "Modifier un utilisateur", "Edit a person" },
	{ "Sites et horaires", "Sites and opening hours" },
	{ "Ticket d'accès", "Access ticket" },
	{ "Accès refusé", "Access denied" }, { "Introuvable", "Not found" },
	{ "Erreur", "Error" },
	{ "Messages aux postes", "Messages to workstations" },
	{ "Message", "Message" }, { "Journal d'audit", "Audit log" },
	{ "Poste créé", "Workstation created" },
	{ "Nouveau jeton", "New token" },
	/* labels and buttons */
	{ "Actif (peut recevoir des sessions)", "Active (may receive sessions)" },
	{ "Adresse (facultatif)", "Address (optional)" },
	{ "Adresse électronique (facultatif)", "E-mail (optional)" },
	{ "Ajouter", "Add" }, { "Code ou nom", "Code or name" },
	{ "Code valable pendant (jours)", "Code valid for (days)" },
	{ "Compte actif", "Active account" },
	{ "Créer l'utilisateur", "Create the person" },
	{ "Créer la catégorie", "Create the category" },
	{ "Créer la session et imprimer le ticket", "Create the session and print the ticket" },
	{ "Créer le compte", "Create the account" },
	{ "Créer le poste", "Create the workstation" },
	{ "Créer le site", "Create the site" }, { "Créer", "Create" },
	{ "Date", "Date" }, { "Durée (minutes)", "Duration (minutes)" },
	{ "Durée de chaque passe (min)", "Duration of each pass (min)" },
	{ "Durée par défaut (min)", "Default duration (min)" },
	{ "Désactiver l'utilisateur", "Deactivate the person" },
	{ "Emplacement (facultatif)", "Location (optional)" },
	{ "Emplacement", "Location" },
	{ "Enregistrer les horaires", "Save the hours" },
	{ "Enregistrer", "Save" }, { "Filtrer", "Filter" },
	{ "Identifiant", "Username" }, { "Mot de passe", "Password" },
	{ "Mot de passe (10 caractères au moins)", "Password (at least 10 characters)" },
	{ "Motif", "Reason" }, { "Nom affiché", "Display name" }, { "Nom", "Name" },
	{ "Nombre de passes (1 à 40)", "Number of passes (1 to 40)" },
	{ "Nouveau mot de passe (laisser vide pour le garder)", "New password (empty: keep it)" },
	{ "Poste actif", "Active workstation" }, { "Prolonger", "Extend" },
	{ "Prénom", "First name" },
	{ "Quota par jour (min)", "Daily quota (min)" },
	{ "Quota par semaine (min)", "Weekly quota (min)" },
	{ "Rechercher", "Search" }, { "Rôle", "Role" },
	{ "Suspendre", "Suspend" }, { "Terminer", "End" },
	{ "Téléphone (facultatif)", "Phone (optional)" }, { "État", "State" },
	{ "Site", "Site" }, { "Catégorie", "Category" },
	{ "Code (minuscules, chiffres, _)", "Code (lowercase, digits, _)" },
	{ "Remettre en service", "Back in service" },
	{ "Mettre en maintenance", "Put in maintenance" },
	{ "Tous", "All" }, { "Retirer", "Remove" },
	{ "Annuler", "Cancel" }, { "Modifier", "Edit" },
	{ "Générer un nouveau jeton (l'ancien cesse de fonctionner)",
	  "Generate a new token (the old one stops working)" },
	{ "Identifiant (lettres, chiffres, . _ -)", "Username (letters, digits, . _ -)" },
	{ "Notes (facultatif)", "Notes (optional)" },
	{ "Rechercher (début du nom, du prénom ou de l'adresse)",
	  "Search (start of the name, first name or e-mail address)" },
	{ "Minutes à ajouter", "Minutes to add" },
	{ "— choisir —", "— choose —" }, { "Ticket", "Ticket" },
	{ "Destinataire", "Recipient" },
	{ "Poste (si « un poste »)", "Workstation (for “one workstation”)" },
	{ "N° du site (si « tous les postes d'un site »)",
	  "Site number (for “all workstations of a site”)" },
	{ "Texte (500 caractères au plus)", "Text (500 characters at most)" },
	{ "Envoyer", "Send" },
	{ "N° de la personne inscrite", "Registered person's number" },
	{ "ou nom (sans inscription)", "or name (not registered)" },
	{ "Début", "Start" }, { "Fin", "End" }, { "Réserver", "Reserve" },
	{ "Je confirme l'effacement définitif", "I confirm the permanent erasure" },
	{ "Effacer ses données", "Erase their data" },
	{ "Du", "From" }, { "Au", "To" }, { "Par", "By" },
	{ "Afficher", "Show" },
	{ "N° du membre du personnel", "Staff member's number" },
	{ "Action (ex. session.create)", "Action (e.g. session.create)" },
	{ "Objet (ex. utilisateur)", "Target (e.g. utilisateur)" },
	{ "N° de l'objet", "Target's number" },
	{ "Créneaux", "Slots" }, { "Horaires", "Hours" },
	/* table heads */
	{ "Actions", "Actions" }, { "Adresse", "Address" }, { "Code", "Code" },
	{ "Créé le", "Created" }, { "Dernier signal", "Last seen" },
	{ "Durée", "Duration" }, { "Lot", "Batch" }, { "Maintenant", "Now" },
	{ "Passes", "Passes" }, { "Poste", "Workstation" },
	{ "Session en cours", "Running session" },
	{ "Temps restant", "Time left" }, { "Téléphone", "Phone" },
	{ "Utilisateur", "Person" }, { "Utilisés", "Used" },
	{ "Valable jusqu'au", "Valid until" },
	{ "Envoyé", "Sent" }, { "À", "To" }, { "Texte", "Text" },
	{ "Lu", "Read" }, { "Pour", "For" }, { "Période", "Period" },
	{ "Heures", "Hours" }, { "Personnes distinctes", "Distinct people" },
	{ "Taux d'occupation (%)", "Occupancy (%)" },
	{ "Action", "Action" }, { "Objet", "Target" }, { "Détail", "Details" },
	{ "Adresse IP", "IP address" }, { "Jour", "Day" },
	/* states */
	{ "Disponible", "Free" }, { "Occupé", "In use" },
	{ "Hors ligne", "Offline" }, { "Maintenance", "Maintenance" },
	{ "En attente", "Waiting" }, { "Active", "Running" },
	{ "Suspendue", "Suspended" }, { "Terminée", "Ended" },
	{ "fermée par l'usager", "closed by the user" },
	{ "temps écoulé", "time up" },
	{ "arrêtée par l'accueil", "stopped by the desk" },
	{ "code expiré", "code expired" },
	{ "fermeture du site", "site closing" },
	{ "prévue", "planned" }, { "honorée", "honoured" },
	{ "libérée (absence)", "released (no-show)" },
	{ "annulée", "cancelled" },
	{ "Actif", "Active" }, { "Désactivé", "Deactivated" },
	{ " (désactivé)", " (deactivated)" },
	{ "Agent d'accueil", "Desk agent" }, { "Administrateur", "Administrator" },
	{ "Ouvert (pas d'horaires)", "Open (no hours)" }, { "Fermé", "Closed" },
	{ "ouvert maintenant", "open now" }, { "fermé maintenant", "closed now" },
	{ "pas encore", "not yet" },
	{ "Annonce au personnel", "Notice to staff" },
	{ "Un poste", "One workstation" },
	{ "Tous les postes d'un site", "All workstations of a site" },
	{ "Tous les tableaux de bord", "All dashboards" },
	{ "(sans site)", "(no site)" },
	{ "jour", "day" }, { "semaine", "week" }, { "mois", "month" },
	{ "lun.", "Mon" }, { "mar.", "Tue" }, { "mer.", "Wed" },
	{ "jeu.", "Thu" }, { "ven.", "Fri" }, { "sam.", "Sat" },
	{ "dim.", "Sun" },
	/* the overview's counters */
	{ "Sessions actives", "Running sessions" },
	{ "Codes en attente", "Codes waiting" },
	{ "Terminées aujourd'hui", "Ended today" },
	{ "Sessions (total)", "Sessions (total)" },
	{ "Postes disponibles", "Free workstations" },
	{ "Postes occupés", "Workstations in use" },
	{ "Postes hors ligne", "Offline workstations" },
	{ "Postes (total)", "Workstations (total)" },
	{ "Utilisateurs actifs", "Active people" },
	{ "Nouveaux ce mois-ci", "New this month" },
	{ "Utilisateurs (total)", "People (total)" },
	/* headings and sentences (markup where the sentence has it) */
	{ "Personnel d'accueil", "Desk staff" },
	{ "Nouveau site", "New site" },
	{ "Horaires de la semaine", "Weekly hours" },
	{ "Un créneau par ligne : le jour (1 = lundi … 7 = dimanche), "
	  "l'ouverture et la fermeture, par exemple <code>1 09:00 12:00</code>. "
	  "Un jour sans créneau est fermé ; sans aucun créneau, le site est "
	  "toujours ouvert.",
	  "One slot a line: the day (1 = Monday … 7 = Sunday), the opening "
	  "and the closing, for example <code>1 09:00 12:00</code>. A day "
	  "without a slot is closed; without any slot, the site is always "
	  "open." },
	{ "Jours de fermeture", "Closure days" },
	{ "Ajouter un jour de fermeture", "Add a closure day" },
	{ "Retour aux sites", "Back to sites" },
	{ "Durées en minutes ; un quota vide veut dire « aucun ».",
	  "Durations in minutes; an empty quota means “none”." },
	{ "Nouvelle catégorie", "New category" },
	{ "Des codes anonymes pour les visiteurs de passage, valables "
	  "jusqu'à la fin de la journée. Un lot s'imprime sur une feuille A4 "
	  "à découper.",
	  "Anonymous codes for walk-in visitors, valid until the end of the "
	  "day. A batch prints on an A4 sheet to cut up." },
	{ "Créer des passes", "Create passes" },
	{ "Retour", "Back" },
	{ "Passe invité — Espace public numérique", "Guest pass — Public digital space" },
	{ "Nouveau message", "New message" },
	{ "Retour aux messages", "Back to messages" },
	{ "Réserver un poste", "Reserve a workstation" },
	{ "Pendant le créneau, seule la personne qui a réservé peut ouvrir "
	  "une session sur ce poste (pour un nom sans inscription : un pass "
	  "invité). Sans elle après le délai prévu, le poste est libéré.",
	  "During the slot, only the person who reserved may open a session "
	  "on this workstation (for a name without registration: a guest "
	  "pass). If they have not come after the set delay, the workstation "
	  "is released." },
	{ "Créneau", "Slot" },
	{ "Données personnelles (RGPD)", "Personal data (GDPR)" },
	{ "Exporter ses données :", "Export their data:" },
	{ "L'effacement anonymise l'historique de ses sessions (les "
	  "statistiques restent) puis supprime la fiche. Il est définitif et "
	  "inscrit au journal.",
	  "Erasing anonymises the history of their sessions (the statistics "
	  "stay) then deletes the record. It is permanent and written to the "
	  "audit log." },
	{ "Nouveau poste", "New workstation" },
	{ "Retour aux postes", "Back to workstations" },
	{ "Modifier ce poste", "Edit this workstation" },
	{ "Nouveau compte", "New account" },
	{ "Compte du personnel", "Staff account" }, { "Compte", "Account" },
	{ "Nouvelle session", "New session" }, { "Session", "Session" },
	{ "Espace public numérique", "Public digital space" },
	{ "Votre code d'accès :", "Your access code:" },
	{ "Code d'accès", "Access code" },
	{ "Saisissez ce code sur l'écran de verrouillage d'un poste libre. "
	  "Vous pouvez partir avant la fin : le temps restant est gardé pour "
	  "une prochaine fois.",
	  "Type this code on the lock screen of a free workstation. You may "
	  "leave before the end: the time left is kept for another time." },
	{ "Retour aux sessions", "Back to sessions" },
	{ "Nouvel utilisateur", "New person" }, { "Identité", "Identity" },
	{ "Désactiver garde la personne et l'historique de ses sessions.",
	  "Deactivating keeps the person and the history of their sessions." },
	{ "Exporter en CSV", "Export as CSV" },
	{ " (point-virgule, virgule décimale, UTF-8 : pour Excel en français)",
	  " (semicolons, decimal commas, UTF-8: for Excel in French)" },
	{ "Rapport du mois en cours (à imprimer)", "This month's report (to print)" },
	{ "Activité", "Activity" },
	{ "Occupation par poste", "Use of each workstation" },
	{ "Affluence par jour et par heure (sessions commencées)",
	  "Busy days and hours (sessions started)" },
	{ "Par catégorie", "By category" }, { "Par site", "By site" },
	{ "Exporter la sélection en CSV", "Export the selection as CSV" },
	{ "← Précédente", "← Previous" }, { "Suivante →", "Next →" },
	/* formats: dates, numbers, names (same conversions in both) */
	{ "%d/%m/%Y à %H:%M", "%Y-%m-%d %H:%M" },
	{ "%lld résultat", "%lld result" }, { "%lld résultats", "%lld results" },
	{ " — page %lld sur %lld", " — page %lld of %lld" },
	{ "Mis à jour le %s — rechargez la page pour actualiser.",
	  "Updated %s — reload the page to refresh." },
	{ "Ouvert, ferme le %s", "Open, closes %s" },
	{ "%lld personne", "%lld person" }, { "%lld personnes", "%lld people" },
	{ "Lot n° %lld", "Batch #%lld" },
	{ "Lot n° %lld : imprimez cette page (Ctrl+P) sur une feuille A4, puis "
	  "découpez.",
	  "Batch #%lld: print this page (Ctrl+P) on an A4 sheet, then cut it "
	  "up." },
	{ "Durée : %s", "Duration: %s" },
	{ "Valable aujourd'hui jusqu'à %s", "Valid today until %s" },
	{ "Envoyé le %s par %s", "Sent %s by %s" },
	{ " — reste %s", " — %s left" },
	{ "Poste <strong>%s</strong>. Voici son jeton : saisissez-le une fois "
	  "dans la page de verrouillage (<code>/kiosk/</code>) de ce poste. "
	  "<strong>Il ne sera plus jamais affiché</strong> ; en cas de perte, "
	  "générez-en un nouveau.",
	  "Workstation <strong>%s</strong>. Here is its token: type it once in "
	  "this workstation's lock page (<code>/kiosk/</code>). <strong>It will "
	  "never be shown again</strong>; if it is lost, generate a new one." },
	{ "État : %s", "State: %s" },
	{ "Identifiant : <strong>%s</strong>", "Username: <strong>%s</strong>" },
	{ "%s sur %s", "%s of %s" },
	{ "Bonjour <strong>%s %s</strong>", "Hello <strong>%s %s</strong>" },
	{ "Durée : <strong>%s</strong>", "Duration: <strong>%s</strong>" },
	{ " (reste %s)", " (%s left)" },
	{ "Valable jusqu'au <strong>%s</strong>", "Valid until <strong>%s</strong>" },
	{ "État : %s. Pour imprimer, utilisez la commande Imprimer du "
	  "navigateur (Ctrl+P) : seul le ticket est imprimé.",
	  "State: %s. To print, use the browser's Print command (Ctrl+P): only "
	  "the ticket is printed." },
	{ "Sessions : %lld — créé le %s", "Sessions: %lld — created %s" },
	{ "Du %s au %s", "From %s to %s" },
	{ "%lld session", "%lld session" }, { "%lld sessions", "%lld sessions" },
	{ ", %s heures d'utilisation, ", ", %s hours of use, " },
	{ "%lld personne différente", "%lld different person" },
	{ "%lld personnes différentes", "%lld different people" },
	{ " n° %lld", " #%lld" },
	{ "Champ « %s » : nombre entier entre 1 et %lld",
	  "Field “%s”: a whole number between 1 and %lld" },
	{ "durée (minutes)", "duration (minutes)" },
	{ "valable pendant (jours)", "valid for (days)" },
	{ "minutes à ajouter", "minutes to add" },
	/* the pages' own refusals */
	{ "Jeton de sécurité (CSRF) absent ou invalide : rechargez la page et "
	  "recommencez. Rien n'a été modifié.",
	  "Security token (CSRF) missing or invalid: reload the page and try "
	  "again. Nothing was changed." },
	{ "Jeton de sécurité (CSRF) absent ou invalide : rechargez la page de "
	  "connexion.",
	  "Security token (CSRF) missing or invalid: reload the log-in page." },
	{ "Cette page est réservée aux administrateurs.",
	  "This page is for administrators only." },
	{ "Erreur interne", "Internal error" }, { "Mémoire épuisée", "Out of memory" },
	{ "Indiquez le début et la fin du créneau (jour et heure).",
	  "Give the start and the end of the slot (day and time)." },
	{ "Liste des utilisateurs indisponible.", "The list of people is unavailable." },
	{ "Choisissez un utilisateur actif.", "Choose an active person." },
	/* flash messages */
	{ "Vous êtes connecté(e).", "You are logged in." },
	{ "Vous êtes déconnecté(e).", "You are logged out." },
	{ "Le site a été enregistré.", "The site was saved." },
	{ "La catégorie a été enregistrée.", "The category was saved." },
	{ "Les passes ont été créés : imprimez la feuille.", "The passes were created: print the sheet." },
	{ "La session a été créée : remettez ce ticket.", "The session was created: hand over this ticket." },
	{ "Le poste a été modifié.", "The workstation was changed." },
	{ "L'utilisateur a été créé.", "The person was created." },
	{ "L'utilisateur a été modifié.", "The person was changed." },
	{ "Le compte a été créé.", "The account was created." },
	{ "Le compte a été modifié.", "The account was changed." },
	{ "Le poste est en maintenance.", "The workstation is in maintenance." },
	{ "Le poste est remis en service.", "The workstation is back in service." },
	{ "L'utilisateur a été désactivé.", "The person was deactivated." },
	{ "La session a été prolongée.", "The session was extended." },
	{ "La session a été suspendue ; le temps restant est conservé.",
	  "The session was suspended; the time left is kept." },
	{ "La session a été terminée.", "The session was ended." },
	{ "Le message a été envoyé.", "The message was sent." },
	{ "La réservation a été enregistrée.", "The reservation was saved." },
	{ "La réservation a été annulée.", "The reservation was cancelled." },
	{ "Les données de la personne ont été effacées ; son historique est anonymisé.",
	  "The person's data were erased; their history is anonymised." },
};

int
admin_lang_en(const struct req *r)
{
	char v[8];

	return r->cookie != NULL &&
	    cookie_get(r->cookie, LANG_COOKIE, v, sizeof(v)) == 0 &&
	    strcmp(v, "en") == 0;
}

const char *
admin_tr(const struct hbuf *h, const char *fr)
{
	size_t i;

	if (h == NULL || !h->en || fr == NULL)
		return fr;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].fr, fr) == 0)
			return words[i].en;
	return fr;
}

/*
 * Write fmt as the program's markup, with its arguments: %s as escaped
 * text (NULL: nothing), %lld and %d as numbers, %% as a percent sign.
 * The table's formats use no other conversion (the test checks that the
 * English has the French's); another one would be written as it is.
 */
static void
put_fmt(struct hbuf *h, const char *fmt, va_list ap)
{
	const char *p, *q;

	for (p = fmt; (q = strchr(p, '%')) != NULL; p = q) {
		hb_rawn(h, p, (size_t)(q - p));
		if (strncmp(q, "%lld", 4) == 0) {
			hb_int(h, va_arg(ap, long long));
			q += 4;
		} else if (q[1] == 'd') {
			hb_int(h, va_arg(ap, int));
			q += 2;
		} else if (q[1] == 's') {
			hb_text(h, va_arg(ap, const char *));
			q += 2;
		} else if (q[1] == '%') {
			hb_raw(h, "%");
			q += 2;
		} else {
			hb_raw(h, "%");
			q++;
		}
	}
	hb_raw(h, p);
}

void
admin_trf(struct hbuf *h, const char *fr_fmt, ...)
{
	va_list ap;

	va_start(ap, fr_fmt);
	put_fmt(h, admin_tr(h, fr_fmt), ap);
	va_end(ap);
}

static void
put_count(struct hbuf *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_fmt(h, fmt, ap);
	va_end(ap);
}

void
admin_trn(struct hbuf *h, long long n, const char *fr_one, const char *fr_many)
{
	int one = h->en ? n == 1 : n < 2;

	put_count(h, admin_tr(h, one ? fr_one : fr_many), n);
}

/* GET /admin/langue?l=fr|en: remember the language, back to /admin/. */
int
admin_lang(struct req *r)
{
	static const char *const langs[] = { "fr", "en", NULL };
	static const struct vfield fs[] = {
		{ "l", V_ENUM, 1, 0, 0, 0, langs },
	};
	struct vval v[1];
	char *c;
	int st;

	if ((st = valid_query(r, fs, 1, v)) != 0)
		return admin_fail_out(r, st);
	if (r->ncookies == REQ_MAX_COOKIES ||
	    asprintf(&c, "%s=%s; Path=/; SameSite=Lax; Max-Age=31536000%s",
	    LANG_COOKIE, langs[v[0].i], r->cfg->cookie_secure ? "; Secure" :
	    "") == -1)
		return admin_fail(r, 503, "Mémoire épuisée");
	r->cookies[r->ncookies++] = c;
	snprintf(r->location, sizeof(r->location), "/admin/");
	return 303;
}
