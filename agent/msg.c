/*
 * msg.c - every word the agent shows, French first, then English.
 *
 * The texts are the kiosk page's (www/src/lib/messages.js, keys in the
 * comments) so that a person sees the same sentence on a browser kiosk
 * and on a native poste; the few the page has no need for (clean-up,
 * token file, resuming after a restart) are marked "agent". Placeholders
 * are the page's too: {s}, {left}, {who}, {d}, {time}, {code}.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "extern.h"

static const char *const msgs[M__MAX][L__MAX] = {
	/* kiosk.title */
	[M_TITLE] = { "Poste en libre accès", "Public workstation" },
	[M_WELCOME] = { "Bienvenue", "Welcome" },
	[M_ENTER] = { "Saisissez votre code d'accès", "Type your access code" },
	[M_CODE] = { "Code d'accès", "Access code" },
	[M_CODE_HELP] = { "6 caractères, inscrits sur votre ticket. Les majuscules ne sont pas nécessaires.",
	    "6 characters, printed on your ticket. Capitals are not needed." },
	[M_VALIDATE] = { "Valider", "Validate" },
	[M_HELLO] = { "Bonjour {who}", "Hello {who}" },
	[M_AVAILABLE] = { "Temps disponible : {d}", "Time available: {d}" },
	[M_START] = { "Commencer ma session", "Start my session" },
	[M_CANCEL] = { "Ce n’est pas moi", "This is not me" },
	[M_LEFT] = { "Temps restant", "Time left" },
	[M_ENDS_AT] = { "Fin prévue à {time}", "Ends at {time}" },
	[M_FINISH] = { "Terminer ma session", "Finish my session" },
	[M_FINISH_CONFIRM] = { "Terminer maintenant ? Le temps restant ({left}) est conservé pour une prochaine fois, sur n’importe quel poste.",
	    "Finish now? The time left ({left}) is kept for another time, on any workstation." },
	[M_FINISH_YES] = { "Oui, terminer", "Yes, finish" },
	[M_FINISH_NO] = { "Non, continuer", "No, continue" },
	[M_WARNING] = { "Attention : votre session se termine dans moins de {left}. Pensez à enregistrer votre travail.",
	    "Warning: your session ends in less than {left}. Remember to save your work." },
	[M_LOCKED] = { "Session terminée", "Session ended" },
	[M_LOCKED_TEMPS] = { "Le temps est écoulé. Merci de votre visite !",
	    "Time is up. Thank you for your visit!" },
	[M_LOCKED_SUSP] = { "Votre temps restant ({left}) est conservé pour une prochaine fois.",
	    "Your remaining time ({left}) is kept for another time." },
	[M_LOCKED_ADMIN] = { "La session a été terminée par l'accueil.",
	    "The session was ended by the desk." },
	[M_LOCKED_NORMALE] = { "À bientôt !", "See you soon!" },
	/* kiosk.locked.fermeture_site */
	[M_LOCKED_SITE] = { "Le site ferme : la session est terminée. Merci de votre visite !",
	    "The site is closing: the session has ended. Thank you for your visit!" },
	/* kiosk.closing */
	[M_CLOSING] = { "Fermeture du site dans {n} min : pensez à enregistrer votre travail.",
	    "The site closes in {n} min: remember to save your work." },
	[M_LOCKED_DEFAULT] = { "À bientôt !", "See you soon!" },
	[M_OFFLINE] = { "Connexion au serveur perdue : le décompte continue, reconnexion en cours…",
	    "Connection to the server lost: the countdown goes on, reconnecting…" },
	[M_REVOKED] = { "Ce poste n'est plus reconnu (jeton révoqué). Adressez-vous à l'accueil.",
	    "This workstation is no longer recognised (token revoked). Please ask at the desk." },
	[M_ERR_INCONNU] = { "Ce code n'existe pas. Vérifiez les caractères saisis.",
	    "This code does not exist. Check the characters you typed." },
	[M_ERR_EXPIRE] = { "Ce code n'est plus valide. Adressez-vous à l'accueil.",
	    "This code is no longer valid. Please ask at the desk." },
	[M_ERR_AILLEURS] = { "Cette session est déjà ouverte sur un autre poste. Fermez-la d’abord.",
	    "This session is already open on another workstation. Close it there first." },
	[M_ERR_PLUS_DE_TEMPS] = { "Il ne reste plus de temps sur ce code. Adressez-vous à l’accueil.",
	    "No time is left on this code. Please ask at the desk." },
	[M_ERR_BUSY] = { "Ce poste a déjà une session en cours.",
	    "This workstation already runs a session." },
	[M_ERR_UNAVAILABLE] = { "Ce poste est indisponible (maintenance). Utilisez un autre poste.",
	    "This workstation is unavailable (maintenance). Please use another one." },
	[M_ERR_THROTTLED] = { "Trop de codes erronés. Réessayez dans {s} secondes.",
	    "Too many wrong codes. Try again in {s} seconds." },
	[M_ERR_THROTTLED_NOW] = { "Vous pouvez réessayer.", "You may try again." },
	[M_ERR_NETWORK] = { "Le serveur ne répond pas. Réessayez dans un instant.",
	    "The server does not answer. Try again in a moment." },
	[M_ERR_VALIDATION] = { "Code invalide : vérifiez la saisie.",
	    "Invalid code: check what you typed." },
	[M_ERR_DEFAULT] = { "Le code est refusé ({code}). Adressez-vous à l’accueil.",
	    "The code is refused ({code}). Please ask at the desk." },
	/* conn.help.offline */
	[M_SERVER_DOWN] = { "Le serveur est injoignable : nouvelle tentative automatique.",
	    "The server cannot be reached: retrying automatically." },
	/* agent */
	[M_CLEANING] = { "Préparation du poste pour la personne suivante…",
	    "Getting the workstation ready for the next person…" },
	[M_RESUME] = { "Une session est ouverte sur ce poste : tapez son code pour la reprendre.",
	    "A session is open on this workstation: type its code to resume it." },
	[M_NO_TOKEN] = { "Ce poste n'est pas configuré (jeton absent). Adressez-vous à l'accueil.",
	    "This workstation is not set up (no token). Please ask at the desk." },
	[M_TOKEN_PERMS] = { "Le fichier du jeton est lisible par d'autres comptes : il est refusé. Adressez-vous à l'accueil.",
	    "The token file is readable by other accounts: it is refused. Please ask at the desk." },
	/* kiosk.msg.title, kiosk.msg.ack (messages-desk.js) */
	[M_MSG_TITLE] = { "Message de l’accueil", "Message from the desk" },
	[M_MSG_ACK] = { "J’ai lu", "I have read it" },
	/* agent: one message is shown at a time */
	[M_MSG_MORE] = { "Messages en attente après celui-ci : {n}",
	    "Messages waiting after this one: {n}" },
	/* kiosk.resa.at, kiosk.resa.now (messages-desk.js) */
	[M_RESA_AT] = { "Réservé à {time}", "Reserved at {time}" },
	[M_RESA_NOW] = { "Réservé jusqu’à {time}", "Reserved until {time}" },
	/* kiosk.err.poste_reserve */
	[M_ERR_RESERVE] = { "Ce poste est réservé pour une autre personne en ce moment. Adressez-vous à l’accueil.",
	    "This workstation is reserved for someone else right now. Please ask at the desk." },
};

static const struct {
	const char	*code;
	enum msg_id	 id;
} codes[] = {
	{ "code_inconnu", M_ERR_INCONNU },
	{ "code_expire", M_ERR_EXPIRE },
	{ "code_expired", M_ERR_EXPIRE },
	{ "session_en_cours_ailleurs", M_ERR_AILLEURS },
	{ "plus_de_temps", M_ERR_PLUS_DE_TEMPS },
	{ "no_time_left", M_ERR_PLUS_DE_TEMPS },
	{ "poste_busy", M_ERR_BUSY },
	{ "poste_unavailable", M_ERR_UNAVAILABLE },
	{ "poste_reserve", M_ERR_RESERVE },
	{ "too_many_attempts", M_ERR_THROTTLED },
	{ "network", M_ERR_NETWORK },
	{ "validation_error", M_ERR_VALIDATION },
};

static const struct {
	const char	*raison;
	enum msg_id	 id;
} raisons[] = {
	{ "temps_ecoule", M_LOCKED_TEMPS },
	{ "admin", M_LOCKED_ADMIN },
	{ "fermeture_normale", M_LOCKED_NORMALE },
	{ "fermeture_site", M_LOCKED_SITE },
};

enum msg_id
msg_for_code(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].code, code) == 0)
			return codes[i].id;
	return M_ERR_DEFAULT;
}

enum msg_id
msg_for_raison(const char *raison)
{
	size_t i;

	for (i = 0; raison != NULL && i < sizeof(raisons) / sizeof(raisons[0]);
	    i++)
		if (strcmp(raisons[i].raison, raison) == 0)
			return raisons[i].id;
	return M_LOCKED_DEFAULT;
}

void
msg_format(char *buf, size_t n, enum lang l, enum msg_id id, ...)
{
	const char	*p, *e, *name, *val;
	size_t		 o = 0, len;
	va_list		 ap;

	if (n == 0)
		return;
	for (p = msgs[id][l]; *p != '\0' && o + 1 < n; ) {
		if (*p == '{' && (e = strchr(p, '}')) != NULL) {
			val = NULL;
			va_start(ap, id);
			while ((name = va_arg(ap, const char *)) != NULL) {
				const char *v = va_arg(ap, const char *);

				if (strlen(name) == (size_t)(e - p - 1) &&
				    strncmp(name, p + 1, (size_t)(e - p - 1)) == 0)
					val = v;
			}
			va_end(ap);
			if (val != NULL) {
				len = strlen(val);
				if (len > n - 1 - o)
					len = n - 1 - o;
				memcpy(buf + o, val, len);
				o += len;
				p = e + 1;
				continue;
			}
		}
		buf[o++] = *p++;
	}
	buf[o] = '\0';
}

void
fmt_duration(char *buf, size_t n, long long s)
{
	long long h, m, sec;

	if (s < 0)
		s = 0;
	h = s / 3600;
	m = (s % 3600) / 60;
	sec = s % 60;
	if (h > 0 && m > 0)
		snprintf(buf, n, "%lld h %02lld min", h, m);
	else if (h > 0)
		snprintf(buf, n, "%lld h", h);
	else if (m > 0 && sec > 0 && m < 10)
		snprintf(buf, n, "%lld min %02lld s", m, sec);
	else if (m > 0)
		snprintf(buf, n, "%lld min", m);
	else
		snprintf(buf, n, "%lld s", sec);
}

void
fmt_clock(char *buf, size_t n, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, n, "%lld:%02lld:%02lld", s / 3600,
		    (s % 3600) / 60, s % 60);
	else
		snprintf(buf, n, "%02lld:%02lld", s / 60, s % 60);
}
