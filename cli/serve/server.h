/*
 * dsmap serve: the HTTP server, what its files share.
 *
 * One server object holds everything the process shares: the workspace
 * (opened once), the MHD daemon, the locks, the counters of /metrics.
 * Nothing else is global.  Each request opens what it reads in one read
 * transaction of its own (a locator per locate request; dsmap_lineage()
 * and dsmap_ls() take theirs), so a scan generation committed or a
 * revision synced since is seen without a restart.  What reads the git
 * repository (status, history, blame, impact, anything `at` a revision)
 * goes through `git_lock`: a libgit2 repository is used by one thread at
 * a time.
 */
#ifndef DSMAP_SERVE_SERVER_H
#define DSMAP_SERVE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <dsmap.h>

#include "locate_body.h"
#include "route.h"

/* Limits, documented in docs/http-api.md. */
#define SERVE_BODY_MAX (1024 * 1024)        /* a request body, bytes (413 past it) */
#define SERVE_DISCARD_MAX (16 * 1024 * 1024) /* read and dropped past it, then closed */
/* and those of POST /v1/locate's body in locate_body.h */
#define SERVE_CONN_MEMORY (32 * 1024)       /* per connection: request line and headers */
#define SERVE_CONN_MAX 256                  /* connections at once */
#define SERVE_CONN_TIMEOUT 10               /* default seconds a connection may stay idle */
#define SERVE_DRAIN_SECONDS 30              /* SIGTERM: how long in-flight requests get */


/* The cache of lineage answers (cache.c): slots, and the largest answer
 * kept, bytes; at most their product is held. */
#define SERVE_CACHE_SLOTS 256
#define SERVE_CACHE_ANSWER_MAX (64 * 1024)

/* The latency histogram's upper bounds, in microseconds. */
#define SERVE_BUCKETS 10

struct serve_options {
	const char *listen;      /* ADDR:PORT, [ADDR]:PORT; NULL: 127.0.0.1:8080 */
	unsigned threads;        /* 0: the number of CPUs */
	unsigned timeout;        /* seconds a connection may stay idle; 0: SERVE_CONN_TIMEOUT */
	int insecure;            /* allow a non-loopback address without TLS */
	const char *tls_cert;    /* PEM files, both or neither */
	const char *tls_key;
	const char *replica;     /* serve a read replica's directory (dsmap replica) */
};

/* A read replica's snapshot being served (view.c): its workspace, opened
 * when DIR/current first pointed at it.  Each request holds a reference
 * from its start to its end, and so does each thread's locator; the
 * server holds one while it is current.  A swap puts a new view in and
 * drops the server's reference to the old, which is freed (its store
 * closed) when its last request or locator lets go. */
struct serve_view {
	dsmap_workspace *ws;
	atomic_uint refs;
	dsmap_snapshot_info info;
	char generation[24];     /* info.generation in decimal, for the header */
	char target[64];         /* "snapshots/ID", as DIR/current reads */
};

struct serve_stats {
	/* requests by route and status class (index: status / 100 - 1) */
	atomic_ullong requests[ROUTE_COUNT][5];
	atomic_ullong latency[SERVE_BUCKETS + 1];   /* + the +Inf bucket */
	atomic_ullong latency_sum_us;
	atomic_ullong latency_count;
};

struct server {
	/* the workspace; for a replica, its directory's tokens and access
	 * log only, with no store: each request's is r->ws */
	dsmap_workspace *ws;
	const char *replica;        /* the replica's directory, or NULL */
	pthread_mutex_t view_lock;  /* held to read or swap `view`, never longer */
	pthread_mutex_t swap_lock;  /* held by the one thread opening a new view */
	struct serve_view *view;    /* the current snapshot (replica) */
	char failed_target[256];    /* a snapshot that would not open, said once */
	pthread_mutex_t git_lock;
	/* Each server thread's locator (handlers.c), kept across requests and
	 * parked between them: refreshing one costs a read transaction while
	 * the store has not changed.  The store holds the generations'
	 * database handles for all of them (core/store.h), so that they run at
	 * once. */
	pthread_key_t locators;
	int has_locators;
	atomic_int draining;
	atomic_uint in_flight;
	struct serve_stats stats;
	/* authorisation and the access log: see auth.c */
	pthread_rwlock_t tokens_lock;
	dsmap_tokens *tokens;
	dsmap_access_log *log;
	/* A locate's connection is suspended while its access log entry is
	 * synced (auth.c).  `stopping` is set, under the write lock, before
	 * the last flush of the log at shutdown: a request that finds it set
	 * waits for its entry in its own thread instead, so that no
	 * connection is left suspended when the daemon stops. */
	pthread_rwlock_t suspend_lock;
	int stopping;
	struct serve_scan *scan;    /* POST /v1/scan: see scan.c */
	struct serve_cache *cache;  /* lineage answers: see cache.c */
	int64_t generated_at;       /* GET /v1/ropa: SOURCE_DATE_EPOCH, or 0 for now */
	struct sessions *sessions;  /* the web UI's sign-ins: see ui.c */
	struct ui_graphviz *graphviz;   /* its graph's layout: see graph.c */
	int tls;                    /* cookies are Secure */
};

/* A request being answered: what the handlers get. */
struct serve_request {
	struct server *srv;
	dsmap_workspace *ws;        /* what the request reads: srv->ws or view->ws */
	struct serve_view *view;    /* a replica's snapshot, held; NULL otherwise */
	void *conn;                 /* struct MHD_Connection */
	struct route_match m;
	const char *method;
	char *body;                 /* POST: the body, NUL-terminated */
	size_t len, cap;
	int too_big;
	unsigned long long discarded;   /* bytes dropped past the cap */
	int queued;                 /* the answer is handed to MHD */
	int logged;                 /* its access log entry is written */
	atomic_int log_state;       /* a locate's entry: LOG_NONE, LOG_PENDING, LOG_DONE */
	int log_rc;                 /* LOG_DONE: 0 when the entry is durable */
	unsigned long long bytes;   /* the answer's size */
	uint64_t t0;                /* monotonic, microseconds */
	/* filled by the handler, for the access log */
	unsigned identifiers;
	char kinds[SERVE_LOCATE_KINDS_MAX];
	unsigned systems;
	const char *token_name;     /* the token's name, or NULL */
	char token_buf[128];
	/* the answer */
	int status;
	char *answer;               /* malloc'ed, or NULL */
	size_t answer_len;
	const char *content_type;
	const char *allow;
	int www_authenticate;
	char set_cookie[2][256];    /* Set-Cookie headers (the web UI), or "" */
};

/* Run the server until SIGTERM or SIGINT: 0, or an exit code with the
 * error printed.  Owns nothing of `ws`. */
int serve_run(dsmap_workspace *ws, const struct serve_options *o);

/* A read replica's views (view.c).  serve_view_open(): the first, at
 * start (-1 with the error printed).  serve_view_get(): the current one,
 * held, after one readlink(2) of DIR/current and, when it moved, opening
 * the new snapshot (one thread at a time; the others go on with the old).
 * serve_view_put(): drop a reference; NULL is a no-op.  The thread's
 * locator (handlers.c) holds its view, as a struct serve_locator. */
int serve_view_open(struct server *s);
struct serve_view *serve_view_get(struct server *s);
void serve_view_put(struct serve_view *v);
struct serve_locator {
	dsmap_locator *loc;
	struct serve_view *view;    /* held while the locator lives; NULL: not a replica */
};

/* Answer with an RFC 9457 problem: `status`, and `detail` (never an
 * identifier value).  `extra` (a JSON object, consumed; may be NULL) adds
 * members ("line", "column"...).  Always fills r->answer or, out of
 * memory, a fixed 500. */
void serve_problem(struct serve_request *r, int status, const char *detail, void *extra);

/* Answer 200 with `body` (taken: malloc'ed, or from dsmap_*(): both are
 * released with free()) as `type`. */
void serve_answer(struct serve_request *r, char *body, const char *type);

/* A query argument of the request, or NULL. */
const char *serve_arg(struct serve_request *r, const char *name);

/* 1 when every query argument of the request is one of `allowed` (a
 * NULL-terminated list; NULL for none), else 0. */
int serve_args_only(struct serve_request *r, const char *const *allowed);

/* A growing string; oom is set (and sticks) when an allocation fails. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void sb_printf(struct sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The route handlers (handlers.c). */
void serve_dispatch(struct serve_request *r);

/* The cache of lineage answers at the synced revision (cache.c), keyed
 * by the store's last transaction id (dsmap_store_last_txn()), the
 * lineage kind and the id.  init: -1 when out of memory.  get: a copy of
 * the answer (malloc'ed), or NULL; an id newer than the cache's drops
 * everything held.  put: keeps a copy, or does nothing (too big, out of
 * memory, or of an id the store has moved past). */
struct serve_cache;
int serve_cache_init(struct server *s);
void serve_cache_free(struct server *s);
char *serve_cache_get(struct server *s, uint64_t txnid, int kind, const char *id);
void serve_cache_put(struct server *s, uint64_t txnid, int kind, const char *id,
                     const char *answer);
void serve_cache_stats(struct server *s, unsigned long long *hits, unsigned long long *misses);

/* POST and GET /v1/scan (scan.c); init -1 when out of memory; stop
 * ends a scan running (SIGTERM) and frees the state. */
struct serve_scan;
int serve_scan_init(struct server *s);
void serve_scan_stop(struct server *s);
void serve_scan(struct serve_request *r);

/* The metrics text (metrics in server.c). */
void serve_metrics(struct serve_request *r);

/* Authorisation and the access log (auth.c).  serve_authorise(): 0 when
 * the request may go on (r->token_name set); otherwise the problem is in
 * r and its status returned.  serve_auth_open() loads what it needs (-1
 * with the error printed), serve_auth_reload() again on SIGHUP (keeping
 * the old table when the new one fails), serve_auth_close() frees it.
 * serve_access_record() writes the access log's entry of a request
 * (once; -1 with the error printed when it cannot). */
int serve_authorise(struct serve_request *r, enum route_access needed);
int serve_auth_open(struct server *s);
void serve_auth_reload(struct server *s);
void serve_auth_close(struct server *s);
int serve_access_record(struct serve_request *r, uint64_t us);

/* The access log entry of a locate, before its answer leaves: the entry
 * is submitted and the connection suspended until the sync that covers
 * it returns (r->log_state LOG_PENDING, then LOG_DONE with r->log_rc),
 * when the connection is resumed.  During shutdown the entry is appended
 * and waited for in this thread instead (LOG_DONE on return).  Only ever
 * called from MHD's access handler. */
enum { LOG_NONE = 0, LOG_PENDING, LOG_DONE };
void serve_access_record_locate(struct serve_request *r, uint64_t us);
/* The web UI (ui.c; docs/web-ui.md).  ui_open() makes the session table
 * (-1 out of memory), ui_close() frees it.  ui_session_role(): the role
 * of the request's session cookie, for serve_authorise(): 0 with the role
 * (and r->token_buf) set; -1 when it has none; or the status of a problem
 * answered (403: a change without the session's CSRF token).
 * ui_tokens_reloaded() ends the sessions of revoked tokens.
 * ui_dispatch() answers the UI's routes; ui_headers() adds to every
 * answer (a struct MHD_Response) its Content-Security-Policy and
 * cookies: 0, or -1 when MHD refuses one. */
int ui_open(struct server *s);
void ui_close(struct server *s);
int ui_session_role(struct serve_request *r, int *role);
void ui_tokens_reloaded(struct server *s);
void ui_dispatch(struct serve_request *r);
int ui_headers(struct serve_request *r, void *response);
/* GET /ui/graph.svg (graph.c): the lineage graph laid out by Graphviz;
 * its context, made once (NULL with the error printed) and freed. */
void ui_graph(struct serve_request *r);
struct ui_graphviz *ui_graphviz_open(void);
void ui_graphviz_close(struct ui_graphviz *v);

/* The OpenAPI document (openapi.c). */
extern const char serve_openapi_json[];

#endif
