/*
 * fuzz_ticket.c - libFuzzer target for stream tickets (shared/crypto.c).
 *
 * The first byte picks what the rest of the input is:
 *
 *	even	a ticket as a client would send it: ticket_check must
 *		refuse it (nobody can forge the MAC) without reading out of
 *		bounds, and leave the output zeroed
 *	odd	the fields of a ticket: ticket_make then ticket_check must
 *		round-trip them exactly, and the same ticket with any one
 *		byte changed, cut short or extended must be refused
 *
 * ticket_poste_bind is fed the input's first 32 bytes as well.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define SECRET	"fuzz-secret-0123456789abcdef"
#define NOW	1795597200LL

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long long
take(const uint8_t **p, size_t *n)
{
	long long	 v = 0;
	size_t		 i;

	for (i = 0; i < 8 && *n > 0; i++, (*p)++, (*n)--)
		v = (long long)((unsigned long long)v << 8 | **p);
	return v;
}

/* Must be refused; output zeroed. */
static void
refused(const char *s)
{
	struct ticket	 t;

	if (ticket_check(SECRET, s, NOW, &t) != -1 || t.kind != 0 ||
	    t.subject != 0 || t.bind != 0)
		abort();
}

static void
as_ticket(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	refused(s);
	free(s);
}

static void
as_fields(const uint8_t *p, size_t n)
{
	struct ticket	 in, out;
	char		 t[TICKET_MAX], u[TICKET_MAX + 2];
	size_t		 len, at;
	uint8_t		 sel;

	sel = n > 0 ? *p : 0;
	if (n > 0) {
		p++;
		n--;
	}
	in.kind = sel & 1 ? 'k' : (sel & 2 ? 's' : (char)sel);
	in.subject = take(&p, &n);
	in.session_id = take(&p, &n);
	in.bind = take(&p, &n);
	in.expires = take(&p, &n);
	if (sel & 4) {	/* mostly in range, so the round trip runs */
		in.subject &= 0xffffffffffffLL;
		in.session_id &= 0xffffffffLL;
		in.bind &= 0xffffffffffffLL;
		in.expires = NOW + 1 + (in.expires & 0xffffff);
	}
	if (ticket_make(SECRET, &in, t) == -1)
		return;
	len = strlen(t);
	assert(len < TICKET_MAX);
	if (in.expires <= NOW) {
		refused(t);
		return;
	}
	if (ticket_check(SECRET, t, NOW, &out) != 0 ||
	    out.kind != in.kind || out.subject != in.subject ||
	    out.session_id != in.session_id || out.bind != in.bind ||
	    out.expires != in.expires)
		abort();
	/* One byte changed: refused. */
	at = n > 0 ? p[0] % len : 0;
	memcpy(u, t, len + 1);
	u[at] = (char)(n > 1 && p[1] != (uint8_t)u[at] && p[1] != 0 ?
	    p[1] : u[at] ^ 1);
	refused(u);
	/* Cut or extended: refused. */
	memcpy(u, t, len + 1);
	u[len - 1 - at % 43] = '\0';
	refused(u);
	memcpy(u, t, len);
	u[len] = n > 2 && p[2] != 0 ? (char)p[2] : 'A';
	u[len + 1] = '\0';
	refused(u);
	/* Another secret: refused. */
	if (ticket_check(SECRET "x", t, NOW, &out) != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 h[HASH_LEN];
	long long	 b;

	if (size == 0)
		return 0;
	memset(h, 0, sizeof(h));
	memcpy(h, data + 1, size - 1 < HASH_LEN ? size - 1 : HASH_LEN);
	b = ticket_poste_bind(h);
	if (b < 0 || b > 0xffffffffffffLL)
		abort();
	if (data[0] & 1)
		as_fields(data + 1, size - 1);
	else
		as_ticket(data + 1, size - 1);
	return 0;
}
