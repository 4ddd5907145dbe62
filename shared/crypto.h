/*
 * crypto.h - secrets: random tokens, their hashes, passwords, access
 * codes and signed tickets, all on libsodium.
 *
 * Tokens (staff cookies, workstation tokens) are 32 random bytes in
 * base64url; only their SHA-256 is stored, so a leaked table opens
 * nothing. Passwords are Argon2id. Access codes are drawn uniformly from
 * an alphabet without look-alike characters (no 0/O, 1/I/L).
 */
#ifndef POSTES_CRYPTO_H
#define POSTES_CRYPTO_H

#include <stddef.h>

#define TOKEN_LEN	43	/* base64url of 32 bytes, no padding */
#define HASH_LEN	32
#define CODE_LEN	6
#define PWHASH_LEN	128	/* >= crypto_pwhash_STRBYTES */

extern const char code_alphabet[];	/* "ABCDEFGHJKMNPQRSTUVWXYZ23456789" */

int	crypto_init(void);
/* out receives TOKEN_LEN chars + NUL. */
void	token_new(char out[TOKEN_LEN + 1]);
void	token_hash(const char *token, unsigned char out[HASH_LEN]);
/* Random hex string of 2*nbytes chars + NUL into out. */
void	hex_random(char *out, size_t nbytes);

/* Argon2id; 0, or -1 when out of memory. */
int	password_hash(const char *pw, char out[PWHASH_LEN]);
/* 1 when pw matches hash, else 0. */
int	password_verify(const char *hash, const char *pw);

/* A new random code: CODE_LEN chars + NUL. */
void	code_new(char out[CODE_LEN + 1]);
/*
 * Normalise typed input into out: upper-cased, spaces and dashes dropped.
 * Returns 0 when the result is CODE_LEN chars of the alphabet, else -1.
 */
int	code_normalize(const char *in, char out[CODE_LEN + 1]);

/*
 * Tickets: "<kind>.<subject>.<session>.<bind>.<expires>.<mac>", signed
 * with HMAC-SHA256 under the shared secret, admitting a subscriber to
 * the pusher without a cookie.
 *
 *	kind 's'  subject: staff id, session: 0,
 *		  bind: staff_sessions.id of the session that asked for it
 *	kind 'k'  subject: poste id, session: the access session it may
 *		  follow, bind: ticket_poste_bind() of the poste's token hash
 *
 * The signature proves where a ticket came from; the pusher then checks
 * on every (re)connect that the bound session (or poste token) still
 * lives, so a ticket is reusable for reconnecting exactly as long as
 * what it came from, and dies with it. expires is an upper bound only.
 */
#define TICKET_MAX 160
struct ticket {
	char		 kind;		/* 's' or 'k' */
	long long	 subject;
	long long	 session_id;
	long long	 bind;
	long long	 expires;	/* Unix seconds */
};
/* Write t signed under secret into out. 0, or -1 on a bad field. */
int	ticket_make(const char *secret, const struct ticket *t,
	    char out[TICKET_MAX]);
/*
 * 0 when ticket is well-formed, signed under secret and not expired at
 * now, filling *t; else -1 with *t zeroed.
 */
int	ticket_check(const char *secret, const char *ticket, long long now,
	    struct ticket *t);
/* The bind number of a kiosk ticket: 48 bits of the poste's token hash. */
long long ticket_poste_bind(const unsigned char token_hash[HASH_LEN]);

/* CSRF token bound to a staff session: HMAC(secret, session hash). */
void	csrf_token(const char *secret, const unsigned char sid_hash[HASH_LEN],
	    char out[TOKEN_LEN + 1]);

/*
 * A keyed tag of s: the first 2*TAG_BYTES hex chars of HMAC-SHA256
 * under the secret. Names what the user typed (a login name that may
 * be a password typed in the wrong field) in throttle keys and the
 * audit log without storing it, and without letting whoever reads the
 * table test guesses offline.
 */
#define TAG_BYTES	12
void	secret_tag(const char *secret, const char *s,
	    char out[2 * TAG_BYTES + 1]);

/* Constant-time string comparison: 1 when equal. */
int	str_equal_ct(const char *a, const char *b);

#endif
