/*
 * rows.c - the common ends of handlers that answer rows of the database:
 * one row by the path's id, a count, a page of a list, the lock that
 * opens a change and the end of its transaction (with the refusals a
 * unique or foreign key can cause). They answer through reply.c and read
 * the page parameters through valid.c; nothing below them calls back up
 * here.
 */
#include <assert.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

/*
 * Run a statement that selects one row by r->id and answer it as JSON with
 * status, or 404 with notfound. The common end of every GET /x/:id.
 */
int
http_row(struct req *r, const char *const *stmts, int idx, int status,
    const char *notfound)
{
	struct db_res *res = NULL;
	enum db_err e;
	struct json_object *o;

	if ((e = DB_EXEC(r->db, stmts, idx, &res, NULL, NULL, DBI(r->id))) != DB_OK)
		return http_db_error(r, e);
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return http_error(r, 404, "not_found", notfound);
	}
	o = db_row_json(res, 0);
	db_res_free(res);
	return http_json(r, status, o);
}

/* Run a statement that yields one count; on error the negated status,
 * with the answer set. */
long long
http_count(struct req *r, const char *const *stmts, int idx,
    const struct db_param *p, size_t np)
{
	struct db_res *res = NULL;
	enum db_err e;
	long long n;

	if ((e = db_exec(r->db, stmts, idx, p, np, &res, NULL, NULL)) != DB_OK)
		return -http_db_error(r, e);
	n = res != NULL && res->nrows > 0 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	return n;
}

/*
 * End the transaction a handler opened: commit when e is DB_OK, else roll
 * back and forget the events recorded in it. 0, or the error status.
 */
int
http_tx_end(struct req *r, enum db_err e)
{
	if (e == DB_OK && (e = db_commit(r->db)) == DB_OK)
		return 0;
	db_rollback(r->db);
	ev_batch_clear(&r->evs);
	return http_db_error(r, e);
}

/*
 * End a transaction whose write failed with e (or commit it, e DB_OK, as
 * http_tx_end does). A duplicate key or a missing referenced row is the
 * person's mistake, which only the handler can name (which field, which
 * record): dup and fk are its refusals, either NULL where the write
 * cannot cause it (then http_db_error's generic 409). 0, or the status.
 */
int
http_tx_refuse(struct req *r, enum db_err e, const struct http_refusal *dup,
    const struct http_refusal *fk)
{
	const struct http_refusal *f;

	f = e == DB_ERR_DUP ? dup : e == DB_ERR_FK ? fk : NULL;
	if (f == NULL)
		return http_tx_end(r, e);
	db_rollback(r->db);
	ev_batch_clear(&r->evs);
	return http_error(r, f->status, f->code, f->message);
}

/*
 * Open a transaction and lock record r->id with statement idx, bound to
 * r->id, whose one value is positive when the record exists (its COUNT(*)
 * or its id, FOR UPDATE), so that an update or a delete sees the record
 * stay as it is until it commits. 0 with the
 * transaction open, or the status of the answer made (404 with notfound,
 * a database error), rolled back.
 */
int
http_tx_lock(struct req *r, const char *const *stmts, int idx,
    const char *notfound)
{
	long long n;
	enum db_err e;

	if ((e = db_begin(r->db)) != DB_OK)
		return http_tx_end(r, e);
	if ((n = http_count(r, stmts, idx, (struct db_param[]){ DBI(r->id) },
	    1)) <= 0) {
		db_rollback(r->db);
		return n < 0 ? (int)-n : http_error(r, 404, "not_found", notfound);
	}
	return 0;
}

/*
 * The same with a statement that selects, FOR UPDATE, the columns of
 * record r->id the handler's rules read: 0 with the transaction open and
 * *res its row (caller frees), or the status (404, a database error),
 * rolled back and *res NULL.
 */
int
http_tx_lock_row(struct req *r, const char *const *stmts, int idx,
    const char *notfound, struct db_res **res)
{
	enum db_err e;

	*res = NULL;
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, idx, res, NULL, NULL,
	    DBI(r->id))) != DB_OK)
		return http_tx_end(r, e);
	if (*res == NULL || (*res)->nrows == 0) {
		db_res_free(*res);
		*res = NULL;
		db_rollback(r->db);
		return http_error(r, 404, "not_found", notfound);
	}
	return 0;
}

/*
 * The common end of every list: read page/per_page, count the rows the
 * filters select (statement count_idx, bound to the nf filters), fetch
 * one page (statement list_idx, bound to the filters then LIMIT and
 * OFFSET) and answer {"results","count","page","per_page"}.
 */
int
http_page(struct req *r, const char *const *stmts, int count_idx,
    int list_idx, const struct db_param *filters, size_t nf)
{
	struct db_param p[24];
	struct db_res *res = NULL;
	long long limit, offset, page, count;
	enum db_err e;
	int st;

	assert(nf + 2 <= sizeof(p) / sizeof(p[0]));
	if ((st = valid_page(r, &limit, &offset, &page)) != 0)
		return st;
	if ((count = http_count(r, stmts, count_idx, filters, nf)) < 0)
		return (int)-count;
	/* A list without filters passes NULL: memcpy must not see it. */
	if (nf > 0)
		memcpy(p, filters, nf * sizeof(*p));
	p[nf] = DBI(limit);
	p[nf + 1] = DBI(offset);
	if ((e = db_exec(r->db, stmts, list_idx, p, nf + 2, &res, NULL,
	    NULL)) != DB_OK)
		return http_db_error(r, e);
	st = http_json(r, 200, page_json(db_rows_json(res), count, page, limit));
	db_res_free(res);
	return st;
}
