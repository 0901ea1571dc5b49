/*
 * dsmap serve: the HTTP server on libmicrohttpd.  See server.h.
 *
 * The daemon runs a pool of threads, each with its own epoll loop.  A
 * request goes through on_request() in three steps: its headers (route,
 * authorisation, content type and declared length are checked, and any
 * refusal is answered before a byte of the body is read), its body (read
 * into a buffer with a hard cap), then its answer (serve_dispatch()).
 * on_completed() counts it for /metrics and frees it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

static const unsigned long long bucket_us[SERVE_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- answers ------------------------------------------------------------ */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static const char oom_problem[] =
	"{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
	"\"detail\":\"out of memory\"}\n";

void serve_problem(struct serve_request *r, int status, const char *detail, void *extra)
{
	json_t *p = extra != NULL ? extra : json_object();
	char *s = NULL;

	free(r->answer);
	r->answer = NULL;
	r->status = status;
	r->content_type = "application/problem+json";
	if (p != NULL &&
	    json_object_set_new(p, "type", json_string("about:blank")) == 0 &&
	    json_object_set_new(p, "title", json_string(reason(status))) == 0 &&
	    json_object_set_new(p, "status", json_integer(status)) == 0 &&
	    json_object_set_new(p, "detail", json_string(detail != NULL ? detail : "")) == 0)
		s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(p);
	if (s != NULL) {
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (t != NULL) {
			t[n] = '\n';
			t[n + 1] = '\0';
			r->answer = t;
			r->answer_len = n + 1;
			return;
		}
		free(s);
	}
	r->status = 500;
	r->answer = NULL;
	r->answer_len = 0;
}

void serve_answer(struct serve_request *r, char *body, const char *type)
{
	free(r->answer);
	r->status = 200;
	r->answer = body;
	r->answer_len = strlen(body);
	r->content_type = type;
}

const char *serve_arg(struct serve_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct args_check {
	const char *const *allowed;
	const char *bad;
};

static MHD_RESULT check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args_check *c = cls;
	size_t i;

	(void)kind;
	(void)value;
	for (i = 0; c->allowed != NULL && c->allowed[i] != NULL; i++)
		if (strcmp(key, c->allowed[i]) == 0)
			return MHD_YES;
	c->bad = "";
	return MHD_NO;
}

int serve_args_only(struct serve_request *r, const char *const *allowed)
{
	struct args_check c = { allowed, NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
	return c.bad == NULL;
}

/* Queue r's answer; the request is answered once. */
static MHD_RESULT finish(struct serve_request *r)
{
	struct MHD_Response *resp;
	MHD_RESULT ret;

	if (r->queued)
		return MHD_YES;
	r->queued = 1;
	if (r->answer == NULL) {
		r->status = 500;
		r->content_type = "application/problem+json";
		resp = MHD_create_response_from_buffer(sizeof(oom_problem) - 1, (void *)oom_problem,
		                                       MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(r->answer_len, r->answer,
		                                       MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			r->answer = NULL;   /* MHD frees it */
	}
	if (resp == NULL)
		return MHD_NO;
	r->bytes = r->answer_len;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    (r->allow != NULL &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow) != MHD_YES) ||
	    (r->www_authenticate &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
	                             "Bearer realm=\"dsmap\"") != MHD_YES) ||
	    (r->view != NULL &&
	     (MHD_add_response_header(resp, "Dsmap-Generation", r->view->generation) != MHD_YES ||
	      MHD_add_response_header(resp, "Dsmap-Revision", r->view->info.revision) != MHD_YES)) ||
	    (atomic_load(&r->srv->draining) &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) ||
	    ui_headers(r, resp) < 0) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Whether the request's Content-Type is JSON: application/json, with
 * parameters or not, in any case. */
static int is_json(const char *type)
{
	size_t n = strlen("application/json");

	if (type == NULL)
		return 0;
	while (*type == ' ' || *type == '\t')
		type++;
	return strncasecmp(type, "application/json", n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ' || type[n] == '\t');
}

/* A locate whose access log entry's sync has returned: its answer, or
 * none when the entry may not be on disk. */
static MHD_RESULT answer_locate(struct serve_request *r)
{
	if (r->log_rc < 0)
		serve_problem(r, 500, "the access log cannot be written: no lookup is answered "
		              "unrecorded", NULL);
	return finish(r);
}

/* What a read replica answers from its snapshot: the store's routes.
 * The others write (a scan) or read the mapping repository, which a
 * replica does not have. */
static int replica_route(enum route_id route)
{
	switch (route) {
	case ROUTE_HEALTHZ:
	case ROUTE_METRICS:
	case ROUTE_OPENAPI:
	case ROUTE_LOCATE:
	case ROUTE_LINEAGE:
	case ROUTE_SYSTEM:
	case ROUTE_SYSTEMS:
	case ROUTE_LS:
		return 1;
	default:
		return 0;
	}
}

static MHD_RESULT on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload_data,
                             size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct serve_request *r = *con_cls;
	int rc;

	(void)version;
	if (r == NULL) {
		const char *len;

		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->srv = s;
		r->ws = s->ws;
		if (s->replica != NULL) {
			/* held to the request's end: a swap meanwhile never closes
			 * the store it reads */
			r->view = serve_view_get(s);
			r->ws = r->view->ws;
		}
		r->conn = conn;
		r->method = method;
		r->t0 = now_us();
		atomic_fetch_add(&s->in_flight, 1);
		*con_cls = r;
		if ((rc = route_match(&r->m, method, url)) != 0) {
			r->allow = r->m.allow;
			serve_problem(r, rc, r->m.why, NULL);
			return finish(r);
		}
		if (serve_authorise(r, r->m.access) != 0)
			return finish(r);
		if (s->replica != NULL && !replica_route(r->m.route)) {
			serve_problem(r, 409, r->m.route == ROUTE_SCAN ?
			              "this server is a read replica (dsmap serve --replica): it "
			              "never writes its store; scan on the coordinator" :
			              "this server is a read replica (dsmap serve --replica): it "
			              "answers locate, lineage, systems and lists from its "
			              "snapshot, with no mapping history; ask the coordinator",
			              NULL);
			return finish(r);
		}
		len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                  MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (strcmp(method, "POST") == 0 &&
		    (r->m.route != ROUTE_SCAN || (len != NULL && strcmp(len, "0") != 0) ||
		     MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                 MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)) {
			if (!is_json(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			                                         MHD_HTTP_HEADER_CONTENT_TYPE))) {
				serve_problem(r, 415, "the body is JSON: send Content-Type: "
				              "application/json", NULL);
				return finish(r);
			}
			if (len != NULL && strtoull(len, NULL, 10) > SERVE_BODY_MAX) {
				serve_problem(r, 413, "a request body is at most 1048576 bytes", NULL);
				return finish(r);
			}
		}
		return MHD_YES;
	}
	if (r->queued) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	switch (atomic_load(&r->log_state)) {
	case LOG_PENDING:   /* not resumed yet: cannot be, but harmless */
		return MHD_YES;
	case LOG_DONE:      /* resumed: the locate's entry is synced, or cannot be */
		return answer_locate(r);
	default:
		break;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		/* Past the cap (a chunked body declares no length): the rest
		 * is read and dropped, to answer 413 at its end, as MHD queues
		 * no answer in the middle of a body; past SERVE_DISCARD_MAX the
		 * connection is closed without one. */
		if (r->too_big) {
			r->discarded += n;
			return r->discarded > SERVE_DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		if (r->len + n > SERVE_BODY_MAX) {
			r->too_big = 1;
			r->discarded = r->len + n;
			free(r->body);
			r->body = NULL;
			r->len = 0;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			char *b;

			while (cap < r->len + n + 1)
				cap *= 2;
			if ((b = realloc(r->body, cap)) == NULL)
				return MHD_NO;
			r->body = b;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	if (r->too_big)
		serve_problem(r, 413, "a request body is at most 1048576 bytes", NULL);
	else
		serve_dispatch(r);
	/* A lookup is recorded before its answer leaves, or not answered: the
	 * connection waits, suspended, for its entry's sync (auth.c). */
	if (r->m.route == ROUTE_LOCATE) {
		serve_access_record_locate(r, now_us() - r->t0);
		if (atomic_load(&r->log_state) == LOG_PENDING)
			return MHD_YES;
		return answer_locate(r);
	}
	return finish(r);
}

static void count(struct serve_stats *st, const struct serve_request *r, uint64_t us)
{
	unsigned cls = (unsigned)r->status / 100;
	size_t b;

	if (cls < 1 || cls > 5)
		cls = 5;
	atomic_fetch_add(&st->requests[r->m.route][cls - 1], 1);
	for (b = 0; b < SERVE_BUCKETS && us > bucket_us[b]; b++)
		;
	atomic_fetch_add(&st->latency[b], 1);
	atomic_fetch_add(&st->latency_sum_us, us);
	atomic_fetch_add(&st->latency_count, 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct serve_request *r = *con_cls;
	uint64_t us;

	(void)conn;
	if (r == NULL)
		return;
	*con_cls = NULL;
	us = now_us() - r->t0;
	(void)toe;
	if (r->queued) {
		count(&s->stats, r, us);
		serve_access_record(r, us);
	}
	serve_view_put(r->view);
	free(r->body);
	free(r->answer);
	free(r);
	atomic_fetch_sub(&s->in_flight, 1);
}

/* MHD's own messages: to stderr, marked as the server's.  They name
 * sockets and protocol faults, never a body. */
/* A server thread's locator, when the thread ends (pthread_key_create). */
static void locator_free(void *p)
{
	struct serve_locator *l = p;

	dsmap_locator_free(l->loc);
	serve_view_put(l->view);
	free(l);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("dsmap: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (fmt[0] != '\0' && fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

/* ---- metrics ------------------------------------------------------------ */

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *q;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			if ((q = realloc(b->p, cap)) == NULL) {
				b->oom = 1;
				return;
			}
			b->p = q;
			b->cap = cap;
		}
	}
}

/* A Prometheus label value: \, " and newline escaped. */
static void sb_label(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sb_printf(b, "\\n");
		else
			sb_printf(b, "%c", *s);
	}
}

void serve_metrics(struct serve_request *r)
{
	struct serve_stats *st = &r->srv->stats;
	struct sbuf b = { NULL, 0, 0, 0 };
	dsmap_store_info info;
	dsmap_status *status = NULL;
	unsigned long long cum = 0;
	size_t i, k;
	int rc;

	sb_printf(&b, "# HELP dsmap_http_requests_total HTTP requests answered, by route and "
	          "status class.\n# TYPE dsmap_http_requests_total counter\n");
	for (i = 1; i < ROUTE_COUNT; i++)
		for (k = 0; k < 5; k++) {
			unsigned long long n = atomic_load(&st->requests[i][k]);

			if (n > 0)
				sb_printf(&b, "dsmap_http_requests_total{route=\"%s\",code=\"%zuxx\"} %llu\n",
				          route_name((enum route_id)i), k + 1, n);
		}
	sb_printf(&b, "# HELP dsmap_http_request_duration_seconds Time from a request's headers "
	          "to its answer.\n# TYPE dsmap_http_request_duration_seconds histogram\n");
	for (i = 0; i < SERVE_BUCKETS; i++) {
		cum += atomic_load(&st->latency[i]);
		sb_printf(&b, "dsmap_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		          (double)bucket_us[i] / 1e6, cum);
	}
	cum += atomic_load(&st->latency[SERVE_BUCKETS]);
	sb_printf(&b, "dsmap_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	sb_printf(&b, "dsmap_http_request_duration_seconds_sum %.6f\n",
	          (double)atomic_load(&st->latency_sum_us) / 1e6);
	sb_printf(&b, "dsmap_http_request_duration_seconds_count %llu\n",
	          (unsigned long long)atomic_load(&st->latency_count));
	sb_printf(&b, "# HELP dsmap_http_requests_in_flight Requests being answered.\n"
	          "# TYPE dsmap_http_requests_in_flight gauge\ndsmap_http_requests_in_flight %u\n",
	          atomic_load(&r->srv->in_flight));
	{
		unsigned long long hits, misses;

		serve_cache_stats(r->srv, &hits, &misses);
		sb_printf(&b, "# HELP dsmap_lineage_cache_requests_total Lineage questions at the "
		          "synced revision, by whether the rendered answer was cached.\n"
		          "# TYPE dsmap_lineage_cache_requests_total counter\n"
		          "dsmap_lineage_cache_requests_total{result=\"hit\"} %llu\n"
		          "dsmap_lineage_cache_requests_total{result=\"miss\"} %llu\n", hits, misses);
	}
	if (r->view != NULL)
		sb_printf(&b, "# HELP dsmap_replica_generation The coordinator's store generation "
		          "of the snapshot served.\n# TYPE dsmap_replica_generation gauge\n"
		          "dsmap_replica_generation %s\n"
		          "# HELP dsmap_replica_snapshot_created_seconds When the snapshot served "
		          "was published.\n# TYPE dsmap_replica_snapshot_created_seconds gauge\n"
		          "dsmap_replica_snapshot_created_seconds %lld\n", r->view->generation,
		          (long long)r->view->info.created);
	if (dsmap_store_info_get(&info, dsmap_workspace_store(r->ws)) == 0)
		sb_printf(&b, "# HELP dsmap_store_used_bytes Bytes of the store in use.\n"
		          "# TYPE dsmap_store_used_bytes gauge\ndsmap_store_used_bytes %llu\n"
		          "# HELP dsmap_store_file_bytes Size of the store's file.\n"
		          "# TYPE dsmap_store_file_bytes gauge\ndsmap_store_file_bytes %llu\n",
		          (unsigned long long)info.used_size, (unsigned long long)info.file_size);
	pthread_mutex_lock(&r->srv->git_lock);
	rc = r->view != NULL ? -1 : dsmap_workspace_status(&status, r->ws);
	pthread_mutex_unlock(&r->srv->git_lock);
	if (rc == 0) {
		sb_printf(&b, "# HELP dsmap_system_last_scan_timestamp_seconds When each system's "
		          "last scan committed (0: never).\n"
		          "# TYPE dsmap_system_last_scan_timestamp_seconds gauge\n");
		for (i = 0; i < status->system_count; i++) {
			sb_printf(&b, "dsmap_system_last_scan_timestamp_seconds{system=\"");
			sb_label(&b, status->systems[i].id);
			sb_printf(&b, "\"} %lld\n", (long long)status->systems[i].last_scan);
		}
		sb_printf(&b, "# HELP dsmap_system_subjects Distinct subjects of each system's "
		          "last scan.\n# TYPE dsmap_system_subjects gauge\n");
		for (i = 0; i < status->system_count; i++) {
			sb_printf(&b, "dsmap_system_subjects{system=\"");
			sb_label(&b, status->systems[i].id);
			sb_printf(&b, "\"} %llu\n", (unsigned long long)status->systems[i].subjects);
		}
	}
	dsmap_status_free(status);
	if (b.oom) {
		free(b.p);
		serve_problem(r, 500, "out of memory", NULL);
		return;
	}
	serve_answer(r, b.p, "text/plain; version=0.0.4; charset=utf-8");
}

/* ---- the daemon ---------------------------------------------------------- */

static int read_file(char **out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (f == NULL)
		return -1;
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *q;

			if (cap > 1024 * 1024 || (q = realloc(p, cap + 8192)) == NULL) {
				free(p);
				fclose(f);
				errno = cap > 1024 * 1024 ? EFBIG : ENOMEM;
				return -1;
			}
			p = q;
			cap += 8192;
		}
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	p[n] = '\0';
	*out = p;
	return 0;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

/* Parse ADDR:PORT or [ADDR]:PORT into `ss`.  0, or -1 with `why`. */
static int parse_listen(struct sockaddr_storage *ss, socklen_t *sslen, const char *listen,
                        char *why, size_t whysize)
{
	char host[256];
	const char *port, *colon;
	struct addrinfo hints, *ai = NULL;
	int rc;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (end == NULL || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host)) {
			snprintf(why, whysize, "--listen is ADDR:PORT or [IPV6]:PORT");
			return -1;
		}
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		port = end + 2;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL ||
		    (size_t)(colon - listen) >= sizeof(host)) {
			snprintf(why, whysize, "--listen is ADDR:PORT or [IPV6]:PORT");
			return -1;
		}
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
		port = colon + 1;
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) > 65535) {
		snprintf(why, whysize, "--listen: the port is a number from 0 to 65535");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai)) != 0) {
		snprintf(why, whysize, "--listen: address '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int serve_run(dsmap_workspace *ws, const struct serve_options *o)
{
	struct server *s = NULL;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	char why[512], host[128];
	char *cert = NULL, *key = NULL;
	const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
	unsigned threads = o->threads;
	/* Suspending a connection needs MHD_ALLOW_SUSPEND_RESUME (and, with
	 * internal threads, the ITC it implies, to wake the thread that owns
	 * a resumed connection); libmicrohttpd allows it in every mode but
	 * thread-per-connection, so in this pool of epoll threads. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	MHD_socket lsock;
	int rc = 1, sig, tls = o->tls_cert != NULL;
	unsigned port;

	if (parse_listen(&ss, &sslen, listen, why, sizeof(why)) < 0) {
		fprintf(stderr, "dsmap: serve: %s\n", why);
		return 2;
	}
	if (!is_loopback((struct sockaddr *)&ss) && !tls && !o->insecure) {
		fprintf(stderr, "dsmap: serve: %s is not a loopback address: serve it over TLS "
		        "(--tls-cert, --tls-key), or say --insecure\n", listen);
		return 2;
	}
	if (tls && (read_file(&cert, o->tls_cert) < 0 || read_file(&key, o->tls_key) < 0)) {
		fprintf(stderr, "dsmap: serve: %s: %s\n", cert == NULL ? o->tls_cert : o->tls_key,
		        strerror(errno));
		goto done;
	}
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 && n < 64 ? (unsigned)n : 2;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "dsmap: serve: out of memory\n");
		goto done;
	}
	s->ws = ws;
	s->replica = o->replica;
	pthread_mutex_init(&s->view_lock, NULL);
	pthread_mutex_init(&s->swap_lock, NULL);
	/* A register's generation date: SOURCE_DATE_EPOCH when set, as for
	 * dsmap ropa (reproducible registers), else the time of the request. */
	{
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		char *end;

		if (sde != NULL && *sde != '\0') {
			long long v;

			errno = 0;
			v = strtoll(sde, &end, 10);
			if (errno != 0 || *end != '\0' || v <= 0) {
				fprintf(stderr, "dsmap: serve: SOURCE_DATE_EPOCH '%s' is not a positive "
				        "number of seconds\n", sde);
				free(s);
				s = NULL;
				rc = 2;
				goto done;
			}
			s->generated_at = (int64_t)v;
		}
	}
	pthread_mutex_init(&s->git_lock, NULL);
	if (s->replica != NULL && serve_view_open(s) < 0)
		goto done;
	if (pthread_key_create(&s->locators, locator_free) != 0) {
		fprintf(stderr, "dsmap: serve: out of memory\n");
		goto done;
	}
	s->has_locators = 1;
	pthread_rwlock_init(&s->tokens_lock, NULL);
	pthread_rwlock_init(&s->suspend_lock, NULL);
	if (serve_scan_init(s) < 0 || serve_cache_init(s) < 0) {
		fprintf(stderr, "dsmap: serve: out of memory\n");
		goto done;
	}
	if (serve_auth_open(s) < 0)
		goto done;
	s->tls = tls;
	if (ui_open(s) < 0) {
		fprintf(stderr, "dsmap: serve: the web UI cannot start (out of memory, or no "
		        "Graphviz)\n");
		goto done;
	}
	/* The signals are taken by sigwait() below: block them before the
	 * daemon's threads start, so that they inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	                     MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                     MHD_OPTION_THREAD_POOL_SIZE, threads,
	                     MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_CONN_MAX,
	                     MHD_OPTION_CONNECTION_TIMEOUT, o->timeout ? o->timeout : (unsigned)SERVE_CONN_TIMEOUT,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
	                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                     tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	                     MHD_OPTION_HTTPS_MEM_KEY, key,
	                     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "dsmap: serve: cannot listen on %s%s\n", listen,
		        tls ? " (or the TLS certificate and key are not a PEM pair)" : "");
		goto done;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info != NULL ? info->port : 0;
	if (getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host), NULL, 0,
	                NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	printf("serving %s://%s%s%s:%u/\n", tls ? "https" : "http",
	       ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "", port);
	fflush(stdout);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			serve_auth_reload(s);
			continue;
		}
		break;
	}
	/* Drain: take no new connection, let the requests being answered
	 * finish (up to SERVE_DRAIN_SECONDS), then stop. */
	atomic_store(&s->draining, 1);
	lsock = MHD_quiesce_daemon(d);
	{
		uint64_t until = now_us() + (uint64_t)SERVE_DRAIN_SECONDS * 1000000u;

		while (atomic_load(&s->in_flight) > 0 && now_us() < until) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	/* No connection may stay suspended when the daemon stops: from now
	 * on a locate waits for its entry in its own thread, and the flush
	 * resumes every connection suspended before. */
	pthread_rwlock_wrlock(&s->suspend_lock);
	s->stopping = 1;
	pthread_rwlock_unlock(&s->suspend_lock);
	dsmap_access_log_flush(s->log);
	MHD_stop_daemon(d);
	d = NULL;
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	rc = 0;
done:
	if (d != NULL)
		MHD_stop_daemon(d);
	if (s != NULL) {
		serve_scan_stop(s);
		serve_cache_free(s);
		serve_auth_close(s);
		pthread_rwlock_destroy(&s->suspend_lock);
		ui_close(s);
		pthread_rwlock_destroy(&s->tokens_lock);
		/* the daemon's threads are gone, and their locators with them */
		if (s->has_locators)
			pthread_key_delete(s->locators);
		pthread_mutex_destroy(&s->git_lock);
		serve_view_put(s->view);
		pthread_mutex_destroy(&s->swap_lock);
		pthread_mutex_destroy(&s->view_lock);
		free(s);
	}
	free(cert);
	free(key);
	return rc;
}
