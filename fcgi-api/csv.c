/*
 * csv.c - CSV downloads, written for French spreadsheet users.
 *
 * Excel in a French locale opens a CSV by double-click only if the
 * separator is ';' (',' is its decimal mark) and reads it as UTF-8 only
 * after a byte order mark. So every export is: UTF-8 with BOM, ';'
 * between fields, CRLF line ends, text fields in double quotes (quotes
 * doubled), decimals with a comma ("12,50"), times in ISO 8601 UTC as
 * the API writes them. A text cell that a spreadsheet would run as a
 * formula (= + - @ at its start) is prefixed with an apostrophe.
 * LibreOffice and any RFC 4180 reader given ';' read the same files.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

static void
cell_text(struct hbuf *h, const char *s)
{
	char one[2] = { 0, 0 };

	hb_raw(h, "\"");
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		hb_raw(h, "'");
	for (; *s != '\0'; s++) {
		if (*s == '"')
			hb_raw(h, "\"\"");
		else {
			one[0] = *s;
			hb_raw(h, one);
		}
	}
	hb_raw(h, "\"");
}

static void
cell_json(struct hbuf *h, struct json_object *v)
{
	char buf[64], *c;

	switch (json_object_get_type(v)) {
	case json_type_null:
		break;
	case json_type_int:
		hb_int(h, json_object_get_int64(v));
		break;
	case json_type_double:
		snprintf(buf, sizeof(buf), "%.2f", json_object_get_double(v));
		if ((c = strchr(buf, '.')) != NULL)
			*c = ',';
		hb_raw(h, buf);
		break;
	case json_type_boolean:
		hb_raw(h, json_object_get_boolean(v) ? "1" : "0");
		break;
	default:
		cell_text(h, json_object_get_string(v));
		break;
	}
}

int
csv_rows(struct req *r, struct json_object *rows, const char *const *cols,
    const char *const *heads, const char *filename)
{
	struct hbuf h = { 0 };
	size_t i, j, n;
	struct json_object *row;

	for (i = 0; filename[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-",
		    filename[i]) == NULL || i + 1 >= sizeof(r->filename))
			return http_error(r, 500, "internal", "Erreur interne");
	hb_raw(&h, "\xef\xbb\xbf");
	for (j = 0; cols[j] != NULL; j++) {
		if (j > 0)
			hb_raw(&h, ";");
		cell_text(&h, heads[j]);
	}
	hb_raw(&h, "\r\n");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		for (j = 0; cols[j] != NULL; j++) {
			if (j > 0)
				hb_raw(&h, ";");
			cell_json(&h, json_object_object_get(row, cols[j]));
		}
		hb_raw(&h, "\r\n");
	}
	if ((r->csv = hb_take(&h, &r->csvlen)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	snprintf(r->filename, sizeof(r->filename), "%s", filename);
	json_object_put(r->out);
	r->out = NULL;
	return 200;
}
