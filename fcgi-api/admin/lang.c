/*
 * admin/lang.c - the admin pages in English too, with the dashboard's
 * switch: one cookie, postes_lang (fr|en), read by both. The dashboard
 * writes it from JavaScript when its language changes (so it is not
 * HttpOnly: a preference, not a secret), the admin pages from their
 * header's link (GET /admin/langue?l=en). French is the default.
 *
 * The page writers (admin_begin, labels, buttons, table heads, flash
 * messages) pass their French text through admin_tr(), which returns
 * the English of this table when the page is in English. Texts that come
 * from the API (refusals) stay in French, as the API speaks it.
 */
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
	{ "Se déconnecter", "Log out" }, { "Tableau de bord", "Overview" },
	{ "Connexion", "Log in" }, { "Se connecter", "Log in" },
	{ "Postes · administration", "Postes · administration" },
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
	/* table heads */
	{ "Actions", "Actions" }, { "Adresse", "Address" }, { "Code", "Code" },
	{ "Créé le", "Created" }, { "Dernier signal", "Last seen" },
	{ "Durée", "Duration" }, { "Lot", "Batch" }, { "Maintenant", "Now" },
	{ "Passes", "Passes" }, { "Poste", "Workstation" },
	{ "Session en cours", "Running session" },
	{ "Temps restant", "Time left" }, { "Téléphone", "Phone" },
	{ "Utilisateur", "Person" }, { "Utilisés", "Used" },
	{ "Valable jusqu'au", "Valid until" },
	/* states */
	{ "Disponible", "Free" }, { "Occupé", "In use" },
	{ "Hors ligne", "Offline" }, { "Maintenance", "Maintenance" },
	{ "En attente", "Waiting" }, { "Active", "Running" },
	{ "Suspendue", "Suspended" }, { "Terminée", "Ended" },
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
