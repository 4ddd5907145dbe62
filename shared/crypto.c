/*
 * crypto.c - tokens, passwords, access codes and signed tickets on
 * libsodium.
 *
 * Nothing here invents a primitive: randomness is randombytes_*, hashes
 * are SHA-256, passwords are crypto_pwhash (Argon2id), tickets are
 * HMAC-SHA256. Secret-dependent comparisons use sodium_memcmp or a
 * loop that does not stop at the first difference. The shared secret
 * is a string of any length; it is hashed to the 32-byte HMAC key.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

#define MAC_B64_LEN	43	/* base64url of 32 bytes, no padding */
#define B64_VARIANT	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define TICKET_NUM_MAX	999999999999999999LL	/* 18 digits */

_Static_assert(PWHASH_LEN >= crypto_pwhash_STRBYTES, "PWHASH_LEN");
_Static_assert(TOKEN_LEN + 1 == sodium_base64_ENCODED_LEN(32, B64_VARIANT),
    "TOKEN_LEN");
_Static_assert(HASH_LEN == crypto_hash_sha256_BYTES, "HASH_LEN");
_Static_assert(crypto_auth_hmacsha256_KEYBYTES == crypto_hash_sha256_BYTES,
    "HMAC key size");

const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/* 0, or -1 when libsodium cannot initialise (no entropy source). */
int
crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
token_new(char out[TOKEN_LEN + 1])
{
	unsigned char	 buf[32];

	randombytes_buf(buf, sizeof(buf));
	sodium_bin2base64(out, TOKEN_LEN + 1, buf, sizeof(buf), B64_VARIANT);
	sodium_memzero(buf, sizeof(buf));
}

void
token_hash(const char *token, unsigned char out[HASH_LEN])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

/* out must hold 2 * nbytes + 1 chars. */
void
hex_random(char *out, size_t nbytes)
{
	unsigned char	 buf[32];
	size_t		 n;

	*out = '\0';
	while (nbytes > 0) {
		n = nbytes < sizeof(buf) ? nbytes : sizeof(buf);
		randombytes_buf(buf, n);
		sodium_bin2hex(out, 2 * n + 1, buf, n);
		out += 2 * n;
		nbytes -= n;
	}
	sodium_memzero(buf, sizeof(buf));
}

int
password_hash(const char *pw, char out[PWHASH_LEN])
{
	if (crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	return 0;
}

/*
 * The stored hash is copied into a full crypto_pwhash_STRBYTES buffer
 * first: libsodium's prototype takes that size and the caller's string
 * (from a database row) may be shorter.
 */
int
password_verify(const char *hash, const char *pw)
{
	char	 buf[crypto_pwhash_STRBYTES];
	size_t	 len;

	if (hash == NULL || pw == NULL)
		return 0;
	if ((len = strlen(hash)) >= sizeof(buf))
		return 0;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, hash, len);
	return crypto_pwhash_str_verify(buf, pw, strlen(pw)) == 0;
}

void
code_new(char out[CODE_LEN + 1])
{
	size_t	 i;

	for (i = 0; i < CODE_LEN; i++)
		out[i] = code_alphabet[randombytes_uniform(
		    sizeof(code_alphabet) - 1)];
	out[CODE_LEN] = '\0';
}

/*
 * Upper-case ASCII, drop blanks and '-', and accept exactly CODE_LEN
 * alphabet characters. Input is read only as far as needed: an overlong
 * string fails at its CODE_LEN + 1-th kept character. On failure out
 * is "".
 */
int
code_normalize(const char *in, char out[CODE_LEN + 1])
{
	size_t	 n = 0;
	int	 c;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (n == CODE_LEN || strchr(code_alphabet, c) == NULL)
			goto fail;
		out[n++] = (char)c;
	}
	if (n != CODE_LEN)
		goto fail;
	out[n] = '\0';
	return 0;
fail:
	out[0] = '\0';
	return -1;
}

static void
hmac_key(const char *secret, unsigned char key[crypto_auth_hmacsha256_KEYBYTES])
{
	crypto_hash_sha256(key, (const unsigned char *)secret, strlen(secret));
}

/* base64url(HMAC-SHA256(sha256(secret), msg)) into out (44 bytes). */
static void
mac_b64(const char *secret, const void *msg, size_t len,
    char out[MAC_B64_LEN + 1])
{
	unsigned char	 key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];

	hmac_key(secret, key);
	crypto_auth_hmacsha256(mac, msg, len, key);
	sodium_bin2base64(out, MAC_B64_LEN + 1, mac, sizeof(mac), B64_VARIANT);
	sodium_memzero(key, sizeof(key));
}

/*
 * Write ticket t into out. The secret must be non-empty (an empty key
 * would let anyone forge tickets), kind 's' or 'k', numbers in
 * 0..TICKET_NUM_MAX.
 * 0, or -1.
 */
int
ticket_make(const char *secret, const struct ticket *t, char out[TICKET_MAX])
{
	char	 mac[MAC_B64_LEN + 1];
	int	 n;

	if (secret == NULL || *secret == '\0' || t == NULL ||
	    (t->kind != 's' && t->kind != 'k') ||
	    t->subject < 0 || t->subject > TICKET_NUM_MAX ||
	    t->session_id < 0 || t->session_id > TICKET_NUM_MAX ||
	    t->bind < 0 || t->bind > TICKET_NUM_MAX ||
	    t->expires < 0 || t->expires > TICKET_NUM_MAX)
		return -1;
	n = snprintf(out, TICKET_MAX, "%c.%lld.%lld.%lld.%lld", t->kind,
	    t->subject, t->session_id, t->bind, t->expires);
	if (n < 0 || (size_t)n + 1 + MAC_B64_LEN >= TICKET_MAX)
		return -1;
	mac_b64(secret, out, (size_t)n, mac);
	out[n] = '.';
	memcpy(out + n + 1, mac, MAC_B64_LEN + 1);
	return 0;
}

/*
 * Read a non-negative decimal field ending at '.', advancing *p past
 * the dot. No sign, no spaces, no leading zero (one spelling per
 * number), at most 18 digits so it cannot overflow.
 */
static int
ticket_num(const char **p, long long *out)
{
	long long	 v = 0;
	const char	*s = *p;
	size_t		 n;

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == 18)	/* more than TICKET_NUM_MAX */
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || s[n] != '.' || (n > 1 && s[0] == '0'))
		return -1;
	*p = s + n + 1;
	*out = v;
	return 0;
}

/*
 * Verify ticket under secret at time now. The MAC is checked before any
 * field is believed; a malformed, forged or expired ticket gives -1.
 */
int
ticket_check(const char *secret, const char *ticket, long long now,
    struct ticket *t)
{
	char		 mac[MAC_B64_LEN + 1];
	const char	*p;
	struct ticket	 v;
	size_t		 len, body;

	memset(t, 0, sizeof(*t));
	if (secret == NULL || *secret == '\0' || ticket == NULL)
		return -1;
	len = strnlen(ticket, TICKET_MAX);
	if (len >= TICKET_MAX)
		return -1;
	v.kind = ticket[0];
	if ((v.kind != 's' && v.kind != 'k') || ticket[1] != '.')
		return -1;
	p = ticket + 2;
	if (ticket_num(&p, &v.subject) == -1 ||
	    ticket_num(&p, &v.session_id) == -1 ||
	    ticket_num(&p, &v.bind) == -1 ||
	    ticket_num(&p, &v.expires) == -1)
		return -1;
	body = (size_t)(p - ticket) - 1;
	if (len - (size_t)(p - ticket) != MAC_B64_LEN)
		return -1;
	mac_b64(secret, ticket, body, mac);
	if (sodium_memcmp(mac, p, MAC_B64_LEN) != 0)
		return -1;
	if (v.expires <= now)
		return -1;
	*t = v;
	return 0;
}

long long
ticket_poste_bind(const unsigned char h[HASH_LEN])
{
	long long	 v = 0;
	int		 i;

	for (i = 0; i < 6; i++)
		v = v << 8 | h[i];
	return v;
}

void
csrf_token(const char *secret, const unsigned char sid_hash[HASH_LEN],
    char out[TOKEN_LEN + 1])
{
	assert(secret != NULL);
	mac_b64(secret, sid_hash, HASH_LEN, out);
}

void
secret_tag(const char *secret, const char *s, char out[2 * TAG_BYTES + 1])
{
	unsigned char	 key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];

	assert(secret != NULL && s != NULL);
	hmac_key(secret, key);
	crypto_auth_hmacsha256(mac, (const unsigned char *)s, strlen(s), key);
	sodium_bin2hex(out, 2 * TAG_BYTES + 1, mac, TAG_BYTES);
	sodium_memzero(key, sizeof(key));
}

/*
 * Time depends only on the longer length, not on where the strings
 * differ. NULL equals nothing.
 */
int
str_equal_ct(const char *a, const char *b)
{
	size_t			 la, lb, n, i;
	volatile unsigned char	 acc;
	unsigned char		 ca, cb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	n = la > lb ? la : lb;
	acc = la != lb;
	for (i = 0; i < n; i++) {
		ca = i < la ? (unsigned char)a[i] : 0;
		cb = i < lb ? (unsigned char)b[i] : 0;
		acc |= ca ^ cb;
	}
	return acc == 0;
}
