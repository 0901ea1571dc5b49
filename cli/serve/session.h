/*
 * dsmap serve: the web UI's sign-in sessions, and what guards them.
 *
 * A token typed into the sign-in page becomes a session: a random id
 * (libsodium, 32 bytes, hex) that the browser holds in an HttpOnly,
 * SameSite=Strict cookie, and that maps, in this table only (nothing is
 * written to disk), to the token's role and name, a CSRF token of its
 * own and two deadlines: an idle one, pushed on at each use, and an
 * absolute one.  A restart, a sign-out or a deadline ends a session.
 *
 * Every request made with the cookie that changes something must also
 * carry the session's CSRF token in an X-CSRF-Token header: a page of
 * another site can make the browser send the cookie (SameSite=Strict
 * already stops that in today's browsers), never read the token.
 *
 * Thread-safe: one mutex around the table.  No I/O but the random bytes.
 */
#ifndef DSMAP_SERVE_SESSION_H
#define DSMAP_SERVE_SESSION_H

#include <stddef.h>
#include <time.h>

/* A session id and a CSRF token: 32 random bytes, as 64 hex digits. */
#define SESSION_ID_LEN 64
#define SESSION_NAME_MAX 128

/* Defaults: 30 idle minutes, 8 hours at most, 1,024 sessions at once. */
#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_MAX_SECONDS (8 * 60 * 60)
#define SESSION_MAX 1024

typedef struct sessions sessions;

struct session_info {
	int role;                                /* a dsmap_role */
	char name[SESSION_NAME_MAX];             /* the token's name */
	char csrf[SESSION_ID_LEN + 1];
};

/* A table of at most `max` sessions, idle for at most `idle` seconds and
 * alive for at most `life`.  NULL out of memory or when libsodium cannot
 * start. */
sessions *sessions_new(size_t max, time_t idle, time_t life);
void sessions_free(sessions *t);

/* Start a session for role `role` and token name `name` at time `now`.
 * 0 with `id` and info->csrf filled; -1 out of memory.  When the table
 * is full, the session closest to its end makes room. */
int sessions_create(sessions *t, int role, const char *name, time_t now,
                    char id[SESSION_ID_LEN + 1], struct session_info *info);

/* The live session `id` at `now` (its idle deadline pushed on): 0 with
 * `info` filled, or -1 (unknown, malformed or past a deadline, which
 * ends it). */
int sessions_lookup(sessions *t, const char *id, time_t now, struct session_info *info);

/* End session `id`: 0, or -1 when there was none. */
int sessions_end(sessions *t, const char *id);

/* End every session of token `name` (revoked): how many ended. */
size_t sessions_end_name(sessions *t, const char *name);

/* Live sessions (those past a deadline are not counted). */
size_t sessions_count(sessions *t, time_t now);

/* 1 when `given` (may be NULL) is the CSRF token `expected`, compared in
 * constant time; 0 otherwise. */
int session_csrf_ok(const char *expected, const char *given);

/* Random hex: SESSION_ID_LEN digits into `out` (SESSION_ID_LEN + 1). */
void session_random_hex(char out[SESSION_ID_LEN + 1]);

/* The value of cookie `name` in a Cookie header (may be NULL), copied
 * into `out` (size `n`): 0, or -1 when there is none or it does not fit. */
int session_cookie(const char *header, const char *name, char *out, size_t n);

#endif
