/*
 * db.c - MariaDB through prepared statements, results copied out.
 *
 * A struct db is one connection plus a cache of prepared statements
 * keyed by (statement table, index). The tables are static arrays, so
 * their address identifies a module; the cache is a small array searched
 * linearly (a process uses a few dozen statements, and a scan of a few
 * dozen pointers costs less than the round trip that follows it).
 *
 * Every result column is fetched as text into buffers sized from
 * max_length, then copied into a struct db_res with a typed view of each
 * cell; the statement is free again before db_exec returns, so callers
 * may nest statements while walking a result.
 *
 * Connection loss drops the whole cache (server-side statement ids die
 * with the connection) and closes the handle; the next call connects
 * again. A statement is retried once on a fresh connection only when it
 * cannot have run twice: outside a transaction, and either the failure
 * came before it was sent (connect, prepare, CR_SERVER_GONE_ERROR on
 * send) or it is a read that returns rows. Inside a transaction a lost
 * connection is reported: the server has rolled the work back, and
 * going on in autocommit mode would split the transaction.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <json.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "timefmt.h"

#define DB_CONNECT_TIMEOUT	3
#define DB_RW_TIMEOUT		10
#define DB_BINARY_CHARSET	63	/* charsetnr of binary columns */
#define DB_MIN_BUF		64	/* column buffer floor, bytes */

struct db_stmt {
	const char *const	*tbl;
	int			 idx;
	MYSQL_STMT		*st;
};

struct db {
	struct config	 cfg;
	MYSQL		*my;
	int		 in_txn;
	/* A START TRANSACTION went out and no COMMIT or ROLLBACK has
	 * closed it for sure: only then does db_rollback talk to the
	 * server (one round trip less at the end of every request). */
	int		 txn_open;
	struct db_stmt	*cache;
	size_t		 ncache;
	size_t		 capcache;
	unsigned int	 errnum;	/* last error, 0 for local ones */
	char		 err[512];
};

/* How far a failed call got: decides whether a retry is safe. */
enum db_stage { STAGE_PREPARE, STAGE_EXEC };

static int
errno_is_conn(unsigned int e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_UNKNOWN_HOST:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_CON_COUNT_ERROR:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
	case ER_NET_PACKETS_OUT_OF_ORDER:
	case ER_UNKNOWN_COM_ERROR:	/* Galera: node left the primary
					   component; try the next host */
		return 1;
	default:
		return 0;
	}
}

static enum db_err
errno_map(unsigned int e)
{
	if (errno_is_conn(e))
		return DB_ERR_CONN;
	switch (e) {
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
		return DB_ERR_DUP;
	case ER_ROW_IS_REFERENCED:
	case ER_NO_REFERENCED_ROW:
	case ER_ROW_IS_REFERENCED_2:
	case ER_NO_REFERENCED_ROW_2:
		return DB_ERR_FK;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return DB_ERR_DEADLOCK;
	default:
		return DB_ERR_OTHER;
	}
}

static void
db_seterr(struct db *db, unsigned int e, const char *msg)
{
	db->errnum = e;
	snprintf(db->err, sizeof(db->err), "%s (%u)",
	    msg != NULL && *msg != '\0' ? msg : "unknown error", e);
}

/*
 * Close the connection and every cached statement. mysql_close() first
 * detaches the statements, so closing them sends nothing over a socket
 * that may be dead.
 */
static void
db_disconnect(struct db *db)
{
	size_t	 i;

	if (db->my != NULL)
		mysql_close(db->my);
	db->my = NULL;
	db->txn_open = 0;	/* the server rolls back on disconnect */
	for (i = 0; i < db->ncache; i++)
		mysql_stmt_close(db->cache[i].st);
	db->ncache = 0;
}

/* The first column of the first row of q, or "" (none, NULL, error). */
static int
db_show(struct db *db, const char *q, char *out, size_t cap)
{
	MYSQL_RES	*r;
	MYSQL_ROW	 row;

	out[0] = '\0';
	if (mysql_query(db->my, q) != 0) {
		db_seterr(db, mysql_errno(db->my), mysql_error(db->my));
		return -1;
	}
	if ((r = mysql_store_result(db->my)) == NULL)
		return 0;
	if ((row = mysql_fetch_row(r)) != NULL && mysql_num_fields(r) >= 2 &&
	    row[1] != NULL)
		snprintf(out, cap, "%s", row[1]);
	mysql_free_result(r);
	return 0;
}

/* 1 when this server may serve us (no wsrep, or a ready Galera node),
 * 0 when it is a Galera node that is not ready, -1 on error. */
static int
db_wsrep_ready(struct db *db)
{
	char	 v[16];

	db->errnum = 0;
	if (db_show(db, "SHOW VARIABLES LIKE 'wsrep_on'", v, sizeof(v)) == -1)
		return -1;
	if (strcmp(v, "ON") != 0)
		return 1;
	if (db_show(db, "SHOW STATUS LIKE 'wsrep_ready'", v, sizeof(v)) == -1)
		return -1;
	return strcmp(v, "ON") == 0;
}

/*
 * One attempt at one server: connect and set the session up. 0, or -1
 * with db->err set and the handle closed.
 */
static int
db_connect_one(struct db *db, const char *host, unsigned int port,
    const char *sock)
{
	static const char *const setup[] = {
		"SET time_zone='+00:00'",
		"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
	};
	const struct config *c = &db->cfg;
	unsigned int	 ct = DB_CONNECT_TIMEOUT, rw = DB_RW_TIMEOUT;
	my_bool		 no = 0;
	size_t		 i;

	if ((db->my = mysql_init(NULL)) == NULL) {
		db_seterr(db, 0, "mysql_init: out of memory");
		return -1;
	}
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &no);
	if (mysql_real_connect(db->my, host, c->db_user, c->db_password,
	    c->db_name, port, sock, 0) == NULL)
		goto fail;
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (mysql_query(db->my, setup[i]) != 0)
			goto fail;
	/*
	 * A Galera node outside the primary component accepts connections
	 * and SETs but refuses every table with "WSREP has not yet prepared
	 * node" (1047); wsrep_ready says so up front, so that we move on to
	 * the next host at once. Only where wsrep is on: a plain server
	 * (even one with the Galera library installed) reports wsrep_ready
	 * OFF.
	 */
	if (db_wsrep_ready(db) != 1) {
		if (db->errnum == 0)
			db_seterr(db, ER_UNKNOWN_COM_ERROR,
			    "Galera node not ready (wsrep_ready OFF)");
		db_disconnect(db);
		return -1;
	}
	return 0;
fail:
	db_seterr(db, mysql_errno(db->my), mysql_error(db->my));
	db_disconnect(db);
	return -1;
}

/*
 * Connect and set the session up: the socket when one is set, else each
 * host of POSTES_DB_HOSTS in order (POSTES_DB_HOST alone by default),
 * the first that answers and is ready wins. Every reconnect starts again
 * from the first host, so writes return to the preferred node as soon
 * as it is back (one writer at a time, see docs/scaling.md).
 * DB_OK or DB_ERR_CONN (logged).
 */
static enum db_err
db_connect(struct db *db)
{
	const struct config *c = &db->cfg;
	char		 host[sizeof(c->db_host)];
	unsigned int	 port;
	size_t		 i;

	assert(db->my == NULL);
	if (c->db_socket[0] != '\0') {
		if (db_connect_one(db, "localhost", 0, c->db_socket) == 0)
			return DB_OK;
		log_warn("db: connect to %s: %s", c->db_socket, db->err);
		return DB_ERR_CONN;
	}
	for (i = 0; config_db_host(c, i, host, sizeof(host), &port) == 1;
	    i++) {
		if (db_connect_one(db, host, port, NULL) == 0) {
			if (i > 0)
				log_info("db: connected to %s:%u (host %zu "
				    "of the list)", host, port, i + 1);
			return DB_OK;
		}
		log_warn("db: connect to %s:%u: %s", host, port, db->err);
	}
	db->errnum = CR_CONN_HOST_ERROR;
	return DB_ERR_CONN;
}

/*
 * Record a failed call on the connection or on st and map it. Connection
 * loss closes everything; other errors are logged at a level that
 * matches how expected they are.
 */
static enum db_err
db_fail(struct db *db, MYSQL_STMT *st, int idx)
{
	unsigned int	 e;
	enum db_err	 rc;

	e = st != NULL ? mysql_stmt_errno(st) : mysql_errno(db->my);
	db_seterr(db, e, st != NULL ? mysql_stmt_error(st) :
	    mysql_error(db->my));
	rc = errno_map(e);
	switch (rc) {
	case DB_ERR_CONN:
		log_warn("db: stmt %d: connection lost: %s", idx, db->err);
		db_disconnect(db);
		break;
	case DB_ERR_OTHER:
		log_err("db: stmt %d: %s", idx, db->err);
		break;
	default:
		log_debug("db: stmt %d: %s", idx, db->err);
		break;
	}
	return rc;
}

struct db *
db_new(const struct config *cfg)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->cfg = *cfg;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db->cache);
	explicit_bzero(db->cfg.db_password, sizeof(db->cfg.db_password));
	free(db);
}

/*
 * The cached handle for (tbl, idx), preparing it on first use. NULL on
 * failure, with *rc set (db_fail has run).
 */
static MYSQL_STMT *
db_stmt_get(struct db *db, const char *const *tbl, int idx, enum db_err *rc)
{
	struct db_stmt	*n;
	MYSQL_STMT	*st;
	size_t		 i, cap;

	for (i = 0; i < db->ncache; i++)
		if (db->cache[i].tbl == tbl && db->cache[i].idx == idx)
			return db->cache[i].st;

	if (db->ncache == db->capcache) {
		cap = db->capcache == 0 ? 32 : db->capcache * 2;
		if ((n = reallocarray(db->cache, cap, sizeof(*n))) == NULL) {
			db_seterr(db, 0, "out of memory");
			*rc = DB_ERR_OTHER;
			return NULL;
		}
		db->cache = n;
		db->capcache = cap;
	}
	if ((st = mysql_stmt_init(db->my)) == NULL) {
		*rc = db_fail(db, NULL, idx);
		return NULL;
	}
	if (mysql_stmt_prepare(st, tbl[idx], strlen(tbl[idx])) != 0) {
		*rc = db_fail(db, st, idx);
		mysql_stmt_close(st);
		return NULL;
	}
	db->cache[db->ncache++] = (struct db_stmt){ tbl, idx, st };
	return st;
}

static enum db_ctype
db_ctype_of(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_YEAR:
		return DBC_INT;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		return DBC_REAL;
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_DATETIME2:
	case MYSQL_TYPE_TIMESTAMP2:
		return DBC_DATETIME;
	case MYSQL_TYPE_BIT:
		return DBC_BLOB;
	case MYSQL_TYPE_TINY_BLOB:
	case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB:
	case MYSQL_TYPE_BLOB:
	case MYSQL_TYPE_VAR_STRING:
	case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_VARCHAR:
		return f->charsetnr == DB_BINARY_CHARSET ? DBC_BLOB : DBC_STR;
	default:
		return DBC_STR;
	}
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) into Unix seconds and ms. */
static void
db_parse_datetime(struct db_cell *c)
{
	struct tm	 tm = { 0 };
	int		 y, mo, d, h, mi, s, n = 0, ms = 0, k;
	const char	*f;

	if (sscanf(c->s, "%4d-%2d-%2d %2d:%2d:%2d%n",
	    &y, &mo, &d, &h, &mi, &s, &n) != 6 || n == 0)
		return;
	if (c->s[n] == '.')
		for (f = c->s + n + 1, k = 0; k < 3; k++)
			ms = ms * 10 + (*f >= '0' && *f <= '9' ? *f++ - '0' : 0);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	c->i = (long long)timegm(&tm);
	c->ms = ms;
}

/* Fill the typed view of a non-NULL cell from its text. */
static void
db_cell_parse(struct db_cell *c, enum db_ctype t, const MYSQL_FIELD *f)
{
	unsigned long long	 u;

	switch (t) {
	case DBC_INT:
		errno = 0;
		if (f->flags & UNSIGNED_FLAG) {
			u = strtoull(c->s, NULL, 10);
			c->i = u > LLONG_MAX ? LLONG_MAX : (long long)u;
		} else
			c->i = strtoll(c->s, NULL, 10);
		break;
	case DBC_REAL:
		c->d = strtod(c->s, NULL);
		break;
	case DBC_DATETIME:
		db_parse_datetime(c);
		break;
	default:
		break;
	}
}

static struct db_res *
db_res_alloc(size_t ncols, size_t nrows)
{
	struct db_res	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->ncols = ncols;
	r->nrows = nrows;
	if ((r->names = calloc(ncols ? ncols : 1, sizeof(*r->names))) == NULL ||
	    (r->types = calloc(ncols ? ncols : 1, sizeof(*r->types))) == NULL ||
	    (r->cells = calloc((ncols * nrows) != 0 ? ncols * nrows : 1,
	    sizeof(*r->cells))) == NULL) {
		db_res_free(r);
		return NULL;
	}
	return r;
}

/*
 * Buffer the result of an executed st and, if out is non-NULL, copy
 * it into a new struct db_res (owned by the caller). DB_OK, or an error
 * with *out NULL.
 */
static enum db_err
db_fetch(struct db *db, MYSQL_STMT *st, MYSQL_RES *meta, int idx,
    struct db_res **out)
{
	MYSQL_FIELD	*fields;
	MYSQL_BIND	*b = NULL;
	unsigned long	*lens = NULL;
	my_bool		*nulls = NULL, *errs = NULL, upd = 1;
	struct db_res	*r = NULL;
	struct db_cell	*cell;
	size_t		 ncols, nrows, row, col, sz;
	enum db_err	 rc = DB_ERR_OTHER;
	void		*p;
	int		 frc;

	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &upd);
	if (mysql_stmt_store_result(st) != 0)
		return db_fail(db, st, idx);
	if (out == NULL)
		return DB_OK;

	ncols = mysql_num_fields(meta);
	nrows = (size_t)mysql_stmt_num_rows(st);
	fields = mysql_fetch_fields(meta);
	if ((r = db_res_alloc(ncols, nrows)) == NULL ||
	    (b = calloc(ncols ? ncols : 1, sizeof(*b))) == NULL ||
	    (lens = calloc(ncols ? ncols : 1, sizeof(*lens))) == NULL ||
	    (nulls = calloc(ncols ? ncols : 1, sizeof(*nulls))) == NULL ||
	    (errs = calloc(ncols ? ncols : 1, sizeof(*errs))) == NULL)
		goto nomem;

	/* Names, types and one text buffer per column. */
	for (col = 0; col < ncols; col++) {
		if ((r->names[col] = strdup(fields[col].name)) == NULL)
			goto nomem;
		r->types[col] = db_ctype_of(&fields[col]);
		sz = fields[col].max_length;
		if (sz < DB_MIN_BUF)
			sz = DB_MIN_BUF;
		if ((b[col].buffer = malloc(sz + 1)) == NULL)
			goto nomem;
		b[col].buffer_type = MYSQL_TYPE_STRING;
		b[col].buffer_length = sz + 1;
		b[col].length = &lens[col];
		b[col].is_null = &nulls[col];
		b[col].error = &errs[col];
	}
	if (ncols > 0 && mysql_stmt_bind_result(st, b) != 0) {
		rc = db_fail(db, st, idx);
		goto out;
	}

	/*
	 * Rows. A value longer than its buffer (max_length is only a hint
	 * for some types) is fetched again into a grown buffer.
	 */
	for (row = 0; row < nrows; row++) {
		frc = mysql_stmt_fetch(st);
		if (frc == MYSQL_NO_DATA)
			break;
		if (frc != 0 && frc != MYSQL_DATA_TRUNCATED) {
			rc = db_fail(db, st, idx);
			goto out;
		}
		for (col = 0; col < ncols; col++) {
			cell = &r->cells[row * ncols + col];
			if (nulls[col]) {
				cell->null = 1;
				continue;
			}
			if (lens[col] >= b[col].buffer_length) {
				if ((p = realloc(b[col].buffer,
				    lens[col] + 1)) == NULL)
					goto nomem;
				b[col].buffer = p;
				b[col].buffer_length = lens[col] + 1;
				if (mysql_stmt_fetch_column(st, &b[col],
				    (unsigned int)col, 0) != 0) {
					rc = db_fail(db, st, idx);
					goto out;
				}
			}
			if ((cell->s = malloc(lens[col] + 1)) == NULL)
				goto nomem;
			memcpy(cell->s, b[col].buffer, lens[col]);
			cell->s[lens[col]] = '\0';
			cell->len = lens[col];
			db_cell_parse(cell, r->types[col], &fields[col]);
		}
	}
	r->nrows = row;
	*out = r;
	r = NULL;
	rc = DB_OK;
	goto out;
nomem:
	db_seterr(db, 0, "out of memory");
	log_err("db: stmt %d: %s", idx, db->err);
	rc = DB_ERR_OTHER;
out:
	for (col = 0; b != NULL && col < ncols; col++)
		free(b[col].buffer);
	free(errs);
	free(nulls);
	free(lens);
	free(b);
	db_res_free(r);
	return rc;
}

/*
 * One attempt at running (tbl, idx) on a live connection. *stage tells
 * how far it got and *reads whether the statement returns rows, which
 * db_exec needs to decide on a retry.
 */
static enum db_err
db_exec_once(struct db *db, const char *const *tbl, int idx,
    const struct db_param *params, size_t nparams, struct db_res **res,
    unsigned long long *affected, unsigned long long *insert_id,
    enum db_stage *stage, int *reads)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	*b = NULL;
	MYSQL_RES	*meta = NULL;
	long long	*ints = NULL;
	enum db_err	 rc = DB_OK;
	size_t		 i;

	*stage = STAGE_PREPARE;
	*reads = 0;
	if ((st = db_stmt_get(db, tbl, idx, &rc)) == NULL)
		return rc;

	if (mysql_stmt_param_count(st) != nparams) {
		db_seterr(db, 0, "parameter count mismatch");
		log_err("db: stmt %d: %zu parameters given, %lu expected",
		    idx, nparams, mysql_stmt_param_count(st));
		return DB_ERR_OTHER;
	}
	if (nparams > 0) {
		if ((b = calloc(nparams, sizeof(*b))) == NULL ||
		    (ints = calloc(nparams, sizeof(*ints))) == NULL) {
			db_seterr(db, 0, "out of memory");
			rc = DB_ERR_OTHER;
			goto out;
		}
		for (i = 0; i < nparams; i++) {
			switch (params[i].type) {
			case DBP_INT:
				ints[i] = params[i].i;
				b[i].buffer_type = MYSQL_TYPE_LONGLONG;
				b[i].buffer = &ints[i];
				break;
			case DBP_STR:
			case DBP_BLOB:
				b[i].buffer_type = params[i].type == DBP_STR ?
				    MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
				/* The library only reads parameter buffers. */
				b[i].buffer = (void *)(uintptr_t)
				    (params[i].p != NULL ? params[i].p : "");
				b[i].buffer_length = params[i].len;
				break;
			case DBP_NULL:
			default:
				b[i].buffer_type = MYSQL_TYPE_NULL;
				break;
			}
		}
		if (mysql_stmt_bind_param(st, b) != 0) {
			rc = db_fail(db, st, idx);
			goto out;
		}
	}

	*reads = (meta = mysql_stmt_result_metadata(st)) != NULL;
	*stage = STAGE_EXEC;
	if (mysql_stmt_execute(st) != 0) {
		rc = db_fail(db, st, idx);
		goto out;
	}
	if (meta != NULL && (rc = db_fetch(db, st, meta, idx, res)) != DB_OK)
		goto out;
	if (affected != NULL)
		*affected = mysql_stmt_affected_rows(st);
	if (insert_id != NULL)
		*insert_id = mysql_stmt_insert_id(st);
out:
	if (meta != NULL)
		mysql_free_result(meta);
	/*
	 * A statement whose connection died is already closed. Otherwise
	 * drop any buffered rows; after an error also reset it, which
	 * costs a round trip and so is skipped on success.
	 */
	if (db->my != NULL) {
		mysql_stmt_free_result(st);
		if (rc != DB_OK)
			mysql_stmt_reset(st);
	}
	free(ints);
	free(b);
	return rc;
}

enum db_err
db_exec(struct db *db, const char *const *stmts, int idx,
    const struct db_param *params, size_t nparams, struct db_res **res,
    unsigned long long *affected, unsigned long long *insert_id)
{
	enum db_stage	 stage;
	enum db_err	 rc;
	int		 try, reads;

	assert(db != NULL && stmts != NULL && idx >= 0);
	assert(nparams == 0 || params != NULL);
	if (res != NULL)
		*res = NULL;
	for (try = 0; ; try++) {
		if (db->my == NULL) {
			if (db->in_txn) {
				db_seterr(db, CR_SERVER_GONE_ERROR,
				    "connection lost inside a transaction");
				return DB_ERR_CONN;
			}
			if ((rc = db_connect(db)) != DB_OK)
				return rc;
		}
		rc = db_exec_once(db, stmts, idx, params, nparams, res,
		    affected, insert_id, &stage, &reads);
		if (rc != DB_ERR_CONN || try > 0 || db->in_txn)
			return rc;
		if (stage == STAGE_EXEC && !reads &&
		    db->errnum != CR_SERVER_GONE_ERROR)
			return rc;
		log_info("db: stmt %d: retrying on a new connection", idx);
	}
}

/*
 * Run a statement without parameters on the connection, for transaction
 * control. Retried once on a fresh connection when retry is set.
 */
static enum db_err
db_simple(struct db *db, const char *sql, int retry)
{
	enum db_err	 rc;
	int		 try;

	for (try = 0; ; try++) {
		if (db->my == NULL && (rc = db_connect(db)) != DB_OK)
			return rc;
		if (mysql_query(db->my, sql) == 0)
			return DB_OK;
		rc = db_fail(db, NULL, -1);
		if (rc != DB_ERR_CONN || !retry || try > 0)
			return rc;
	}
}

/*
 * Open a transaction. Nothing has run in it yet, so a dead connection
 * is replaced once.
 */
enum db_err
db_begin(struct db *db)
{
	enum db_err	 rc;

	assert(!db->in_txn);
	if ((rc = db_simple(db, "START TRANSACTION", 1)) == DB_OK)
		db->in_txn = db->txn_open = 1;
	return rc;
}

/*
 * Commit. The transaction is over whatever the outcome; DB_ERR_CONN
 * means its fate is unknown to us.
 */
enum db_err
db_commit(struct db *db)
{
	enum db_err	 rc = DB_OK;

	db->in_txn = 0;
	if (db->my == NULL) {
		db_seterr(db, CR_SERVER_GONE_ERROR,
		    "connection lost inside a transaction");
		return DB_ERR_CONN;
	}
	if (mysql_commit(db->my) != 0)
		rc = db_fail(db, NULL, -1);	/* txn_open stays: roll back */
	else
		db->txn_open = 0;
	return rc;
}

/*
 * Roll back, ignoring errors: if the rollback cannot be sent the
 * connection is closed, and the server rolls back on disconnect.
 * Nothing is sent when no transaction can be open (never begun, or
 * committed): every statement outside db_begin runs in autocommit mode.
 */
void
db_rollback(struct db *db)
{
	db->in_txn = 0;
	if (db->my == NULL || !db->txn_open)
		return;
	db->txn_open = 0;
	if (mysql_rollback(db->my) != 0)
		db_disconnect(db);
}

enum db_err
db_ping(struct db *db)
{
	int	 try;

	for (try = 0; ; try++) {
		if (db->my == NULL) {
			if (db->in_txn)
				return DB_ERR_CONN;
			if (db_connect(db) != DB_OK)
				return DB_ERR_CONN;
		}
		if (mysql_ping(db->my) == 0)
			return DB_OK;
		db_seterr(db, mysql_errno(db->my), mysql_error(db->my));
		db_disconnect(db);
		if (try > 0 || db->in_txn)
			return DB_ERR_CONN;
	}
}

/* Text of the last error; kept in db, valid until the next call. */
const char *
db_errstr(const struct db *db)
{
	return db->err[0] != '\0' ? db->err : "no error";
}

void
db_res_free(struct db_res *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	if (r->cells != NULL)
		for (i = 0; i < r->nrows * r->ncols; i++)
			free(r->cells[i].s);
	if (r->names != NULL)
		for (i = 0; i < r->ncols; i++)
			free(r->names[i]);
	free(r->cells);
	free(r->types);
	free(r->names);
	free(r);
}

const struct db_cell *
db_cell(const struct db_res *r, size_t row, size_t col)
{
	assert(r != NULL && row < r->nrows && col < r->ncols);
	return &r->cells[row * r->ncols + col];
}

/* 0 for NULL cells and for text that is not a number. */
long long
db_int(const struct db_res *r, size_t row, size_t col)
{
	const struct db_cell *c = db_cell(r, row, col);

	if (c->null)
		return 0;
	switch (r->types[col]) {
	case DBC_INT:
	case DBC_DATETIME:
		return c->i;
	case DBC_REAL:
		return (long long)c->d;
	default:
		return strtoll(c->s, NULL, 10);
	}
}

/*
 * The text of the cell, owned by r. A NULL cell gives "" so the result
 * can go straight into string functions; db_isnull tells them apart.
 */
const char *
db_str(const struct db_res *r, size_t row, size_t col)
{
	const struct db_cell *c = db_cell(r, row, col);

	return c->null ? "" : c->s;
}

int
db_isnull(const struct db_res *r, size_t row, size_t col)
{
	return db_cell(r, row, col)->null;
}

int
db_col(const struct db_res *r, const char *name)
{
	size_t	 i;

	for (i = 0; r != NULL && i < r->ncols; i++)
		if (strcmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

/*
 * Row as a new json object (caller puts it). BLOB columns and columns
 * named "_..." are left out; a DATETIME that is not a valid date (a
 * zero date) is null. NULL on allocation failure.
 */
struct json_object *
db_row_json(const struct db_res *r, size_t row)
{
	struct json_object	*o, *v;
	const struct db_cell	*c;
	char			 iso[TIME_ISO_LEN];
	size_t			 col;

	assert(r != NULL && row < r->nrows);
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (col = 0; col < r->ncols; col++) {
		if (r->names[col][0] == '_' || r->types[col] == DBC_BLOB)
			continue;
		c = &r->cells[row * r->ncols + col];
		v = NULL;
		if (!c->null) {
			switch (r->types[col]) {
			case DBC_INT:
				v = json_object_new_int64(c->i);
				break;
			case DBC_REAL:
				v = json_object_new_double(c->d);
				break;
			case DBC_DATETIME:
				if (time_db_to_iso(c->s, iso) == 0)
					v = json_object_new_string(iso);
				break;
			default:
				v = json_object_new_string_len(c->s,
				    (int)c->len);
				break;
			}
		}
		if (json_object_object_add(o, r->names[col], v) != 0) {
			json_object_put(v);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* Every row, as a new json array owned by the caller; NULL on ENOMEM. */
struct json_object *
db_rows_json(const struct db_res *r)
{
	struct json_object	*a, *o;
	size_t			 row;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (row = 0; r != NULL && row < r->nrows; row++) {
		if ((o = db_row_json(r, row)) == NULL ||
		    json_object_array_add(a, o) != 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}
