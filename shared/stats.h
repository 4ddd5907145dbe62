/*
 * stats.h - the dashboard counters, in the seed's shape:
 *
 *	{"utilisateurs":{"total","actifs","nouveaux_mois"},
 *	 "sessions":{"total","actives","en_attente","terminees_aujourd_hui"},
 *	 "postes":{"total","disponibles","occupes","hors_ligne"},
 *	 "timestamp":"2026-11-25T09:00:00Z"}
 *
 * Served by GET /api/dashboard/stats and pushed by the pusher as
 * stats_update; one query, so both always agree.
 */
#ifndef POSTES_STATS_H
#define POSTES_STATS_H

#include "db.h"

struct json_object;

/* Caller owns *out. */
enum db_err	stats_get(struct db *, struct json_object **out);
/*
 * The same, and with them (each may be NULL) the outbox's head read in
 * the same snapshot (-1 if unknown) and the start of the local day the
 * counts are for (Unix seconds, hours_day_start). The counts hold as
 * long as the head is the same and the day too (every change they count
 * writes an event in its transaction; "today" and "this month" move
 * with the day).
 */
enum db_err	stats_read(struct db *, struct json_object **out,
		    long long *head, long long *day);

#endif
