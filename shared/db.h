/*
 * db.h - MariaDB access through prepared statements only.
 *
 * Each module owns a statement table:
 *
 *	enum stmt { STMT_FOO, STMT__MAX };
 *	static const char *const stmts[STMT__MAX] = { "SELECT ..." };
 *
 * and runs a statement with db_exec(db, stmts, STMT_FOO, ...). The
 * connection prepares each (table, index) once and caches the handle, so
 * every statement is prepared once per process and connection. When the
 * server goes away the cache is dropped and the next call reconnects:
 * a restarted MariaDB costs one failed request (503), not a restart.
 *
 * Results are copied out into a struct db_res (typed cells, owned by the
 * caller, freed with db_res_free) so that the statement can be reused
 * at once and handlers never touch MYSQL_BIND.
 */
#ifndef POSTES_DB_H
#define POSTES_DB_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct json_object;

enum db_err {
	DB_OK = 0,
	DB_ERR_CONN,		/* server unreachable: answer 503 */
	DB_ERR_DUP,		/* unique key violated: answer 409 */
	DB_ERR_FK,		/* foreign key violated: answer 409/422 */
	DB_ERR_DEADLOCK,	/* deadlock or lock wait timeout: retry */
	DB_ERR_OTHER,		/* anything else: answer 500, logged */
};

enum db_ptype { DBP_NULL, DBP_INT, DBP_STR, DBP_BLOB };

struct db_param {
	enum db_ptype	 type;
	long long	 i;
	const void	*p;
	size_t		 len;
};

#define DBI(v)	 ((struct db_param){ DBP_INT, (long long)(v), NULL, 0 })
#define DBS(v)	 db_param_str(v)
#define DBB(v,n) ((struct db_param){ DBP_BLOB, 0, (v), (n) })
#define DBNULL	 ((struct db_param){ DBP_NULL, 0, NULL, 0 })

enum db_ctype { DBC_INT, DBC_REAL, DBC_STR, DBC_DATETIME, DBC_BLOB };

struct db_cell {
	int		 null;
	long long	 i;	/* DBC_INT, and DATETIME as Unix seconds */
	int		 ms;	/* DBC_DATETIME: milliseconds part */
	double		 d;	/* DBC_REAL */
	char		*s;	/* text form of every non-NULL cell, NUL-ended */
	size_t		 len;
};

struct db_res {
	size_t		  ncols;
	size_t		  nrows;
	char		**names;	/* column names */
	enum db_ctype	 *types;
	struct db_cell	 *cells;	/* nrows * ncols, row-major */
};

struct db;

/* Allocate a handle; does not connect yet. Owned by the caller. */
struct db	*db_new(const struct config *cfg);
void		 db_free(struct db *);

/*
 * Run statement idx of table stmts with the given parameters. If res is
 * non-NULL and the statement yields rows, *res receives them (caller frees
 * with db_res_free); otherwise *res is NULL. affected and insert_id may be
 * NULL. Reconnects once if the connection was lost before the statement
 * ran; inside a transaction a lost connection is DB_ERR_CONN.
 */
enum db_err	 db_exec(struct db *, const char *const *stmts, int idx,
		    const struct db_param *params, size_t nparams,
		    struct db_res **res, unsigned long long *affected,
		    unsigned long long *insert_id);

#define DB_EXEC(db, stmts, idx, res, aff, iid, ...)			\
	db_exec((db), (stmts), (idx),					\
	    (const struct db_param[]){ __VA_ARGS__ },			\
	    sizeof((const struct db_param[]){ __VA_ARGS__ }) /		\
	    sizeof(struct db_param), (res), (aff), (iid))
#define DB_EXEC0(db, stmts, idx, res, aff, iid)				\
	db_exec((db), (stmts), (idx), NULL, 0, (res), (aff), (iid))

enum db_err	 db_begin(struct db *);
enum db_err	 db_commit(struct db *);
void		 db_rollback(struct db *);
/* Reconnect if needed; DB_OK when the server answers. */
enum db_err	 db_ping(struct db *);
const char	*db_errstr(const struct db *);

void		 db_res_free(struct db_res *);
/* Cell accessors; row/col are asserted in range. */
const struct db_cell *db_cell(const struct db_res *, size_t row, size_t col);
long long	 db_int(const struct db_res *, size_t row, size_t col);
const char	*db_str(const struct db_res *, size_t row, size_t col);
int		 db_isnull(const struct db_res *, size_t row, size_t col);
/* Column index by name, or -1. */
int		 db_col(const struct db_res *, const char *name);

/*
 * Row as a json-c object: integers as numbers, DATETIME as ISO 8601 UTC
 * strings ("2026-11-25T09:00:00Z"), NULL as null, columns named "_..."
 * skipped (internal). Caller owns the result.
 */
struct json_object *db_row_json(const struct db_res *, size_t row);
/* Every row, as a json array. Caller owns it. */
struct json_object *db_rows_json(const struct db_res *);

static inline struct db_param
db_param_str(const char *s)
{
	struct db_param p = { DBP_NULL, 0, NULL, 0 };
	size_t n = 0;

	if (s != NULL) {
		while (s[n] != '\0')
			n++;
		p.type = DBP_STR;
		p.p = s;
		p.len = n;
	}
	return p;
}

#endif
