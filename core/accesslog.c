/*
 * The access log of `dsmap serve`: see include/dsmap/accesslog.h.
 *
 * A line is a JSON object (jansson encodes it, compact):
 *
 *   {"time":"2026-12-07T05:30:00.123456Z","token":"dsar-portal",
 *    "method":"POST","route":"/v1/locate","status":200,"identifiers":2,
 *    "kinds":["email","phone"],"systems":3,"bytes":5120,"duration_us":812}
 *
 * Durability by group commit, on a thread of the log's own (the
 * syncer).  An append writes its line under the mutex, takes the next
 * sequence number and, when it wants to hear back, queues a waiter.  The
 * syncer runs fdatasync(2) for every line written so far, without the
 * mutex, then calls back the waiters the sync covered, in order, again
 * without the mutex; the lines written meanwhile go into its next sync.
 * So however many requests are waiting, one sync at a time covers them
 * all, and no caller's thread ever waits in fdatasync itself:
 * dsmap_access_log_append() waits on a condition variable, and
 * dsmap_access_log_submit() does not wait at all.
 *
 * A failed fdatasync breaks the log for good: after one, the kernel may
 * have dropped the pages it could not write, so no later sync could vouch
 * for them.  Every waiter queued then hears the error, and every later
 * append fails at once.
 *
 * Counters, under the mutex: written >= synced >= done.  `written` lines
 * were appended by this handle, `synced` of them are known durable (or,
 * once broken, known lost), and the callbacks of the first `done` have
 * returned.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dsmap/accesslog.h"
#include "alloc.h"
#include "errors.h"
#include "jsonutil.h"
#include "git.h"
#include "util.h"
#include "workspace.h"

#define LOG_FILE "access.log"
#define ROUTE_MAX 256
#define KINDS_MAX 256
#define LINE_MAX_BYTES 8192   /* a line longer than this is no entry of ours */

/* A submitted entry waiting for the sync that covers it. */
struct waiter {
	uint64_t seq;
	dsmap_access_done_fn done;
	void *payload;
	struct waiter *next;
};

struct dsmap_access_log {
	int fd;
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;     /* the syncer: something to sync, or stop */
	pthread_cond_t synced_cv;   /* appenders and flush: `synced` or `done` moved */
	pthread_t syncer;
	uint64_t written;   /* lines appended by this handle */
	uint64_t synced;    /* of which this many are known durable */
	uint64_t done;      /* of which this many had their callbacks return */
	struct waiter *head, *tail;   /* in sequence order */
	int stopping;       /* close: the syncer syncs what is left and ends */
	int broken;         /* the errno of a failed sync or write; 0 while sound */
};

static int open_file(char **path, dsmap_workspace *ws, int flags)
{
	struct stat sb;
	int fd, rc;

	if ((*path = dsmap__path_join(ws->dotdir, LOG_FILE)) == NULL)
		return dsmap_error__oom();
	if ((fd = open(*path, flags | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		if (errno == ELOOP)
			return dsmap_error__set(DSMAP_EINVALID, "%s is a symbolic link: the access "
			                        "log must be a regular file", *path);
		return dsmap_error__errno(dsmap_error__from_errno(errno), errno, "%s", *path);
	}
	if (fstat(fd, &sb) != 0) {
		rc = dsmap_error__errno(DSMAP_EIO, errno, "%s", *path);
	} else if (!S_ISREG(sb.st_mode)) {
		rc = dsmap_error__set(DSMAP_EINVALID, "%s is no regular file", *path);
	} else if ((rc = dsmap__private_file(*path, &sb)) == 0) {
		return fd;
	}
	close(fd);
	return rc;
}

/* When the log's last byte is no newline, write one. */
static int end_torn_line(dsmap_access_log *log)
{
	struct stat sb;
	char last;

	if (fstat(log->fd, &sb) != 0)
		return dsmap_error__errno(DSMAP_EIO, errno, "%s", log->path);
	if (sb.st_size == 0)
		return 0;
	if (pread(log->fd, &last, 1, sb.st_size - 1) != 1)
		return dsmap_error__errno(DSMAP_EIO, errno, "%s", log->path);
	if (last != '\n' && (write(log->fd, "\n", 1) != 1 || fdatasync(log->fd) != 0)) {
		int err = dsmap__write_errno(errno, log->path);

		return dsmap_error__errno(err == ENOSPC ? DSMAP_ENOSPC : DSMAP_EIO, err, "%s",
		                          log->path);
	}
	return 0;
}

/* Set the error of a broken log (in the calling thread) and return its code. */
static int broken_error(dsmap_access_log *log, int err)
{
	err = dsmap__write_errno(err, log->path);
	return dsmap_error__errno(err == ENOSPC ? DSMAP_ENOSPC : DSMAP_EIO, err, "access log %s",
	                          log->path);
}

/* The syncer: one fdatasync for every line written so far, then the
 * callbacks of the entries it covered, until close and nothing is left. */
static void *syncer(void *arg)
{
	dsmap_access_log *log = arg;
	struct waiter *w, *ready;
	uint64_t upto;
	int err, rc;

	pthread_mutex_lock(&log->mu);
	for (;;) {
		while (!log->stopping && log->synced == log->written)
			pthread_cond_wait(&log->work_cv, &log->mu);
		if (log->synced == log->written && log->head == NULL)
			break;   /* stopping, and all is done */
		upto = log->written;
		err = 0;
		if (log->broken == 0) {
			pthread_mutex_unlock(&log->mu);
			err = fdatasync(log->fd) == 0 ? 0 : errno;
			pthread_mutex_lock(&log->mu);
			if (err != 0 && log->broken == 0)
				log->broken = err;
		}
		log->synced = upto;
		/* the waiters this sync covered (or all, when the log is broken) */
		ready = NULL;
		if (log->head != NULL && log->head->seq <= upto) {
			ready = log->head;
			for (w = log->head; w->next != NULL && w->next->seq <= upto; w = w->next)
				;
			log->head = w->next;
			if (log->head == NULL)
				log->tail = NULL;
			w->next = NULL;
		}
		rc = log->broken != 0 ? broken_error(log, log->broken) : 0;
		pthread_cond_broadcast(&log->synced_cv);
		pthread_mutex_unlock(&log->mu);
		while ((w = ready) != NULL) {
			ready = w->next;
			if (rc < 0)   /* each callback may read the error: set it again */
				broken_error(log, log->broken);
			if (w->done != NULL)
				w->done(w->payload, rc);
			free(w);
		}
		pthread_mutex_lock(&log->mu);
		log->done = upto;
		pthread_cond_broadcast(&log->synced_cv);
	}
	pthread_mutex_unlock(&log->mu);
	return NULL;
}

static void free_log(dsmap_access_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	free(log->path);
	free(log);
}

int dsmap_access_log_open(dsmap_access_log **out, dsmap_workspace *ws)
{
	dsmap_access_log *log;
	int fd, rc;

	*out = NULL;
	if ((log = dsmap__calloc(1, sizeof(*log))) == NULL)
		return dsmap_error__oom();
	log->fd = -1;
	if ((fd = open_file(&log->path, ws, O_RDWR | O_APPEND | O_CREAT)) < 0) {
		free_log(log);
		return fd;
	}
	log->fd = fd;
	/* a line a crash cut short is ended, so that the next one starts clean */
	if ((rc = end_torn_line(log)) < 0) {
		free_log(log);
		return rc;
	}
	if (pthread_mutex_init(&log->mu, NULL) != 0) {
		free_log(log);
		return dsmap_error__oom();
	}
	if (pthread_cond_init(&log->synced_cv, NULL) != 0) {
		pthread_mutex_destroy(&log->mu);
		free_log(log);
		return dsmap_error__oom();
	}
	if (pthread_cond_init(&log->work_cv, NULL) != 0) {
		pthread_cond_destroy(&log->synced_cv);
		pthread_mutex_destroy(&log->mu);
		free_log(log);
		return dsmap_error__oom();
	}
	if ((rc = pthread_create(&log->syncer, NULL, syncer, log)) != 0) {
		pthread_cond_destroy(&log->work_cv);
		pthread_cond_destroy(&log->synced_cv);
		pthread_mutex_destroy(&log->mu);
		free_log(log);
		return dsmap_error__errno(DSMAP_ERROR, rc, "access log: its syncing thread");
	}
	*out = log;
	return 0;
}

void dsmap_access_log_close(dsmap_access_log *log)
{
	if (log == NULL)
		return;
	pthread_mutex_lock(&log->mu);
	log->stopping = 1;
	pthread_cond_signal(&log->work_cv);
	pthread_mutex_unlock(&log->mu);
	pthread_join(log->syncer, NULL);
	assert(log->head == NULL && log->done == log->written);
	pthread_cond_destroy(&log->work_cv);
	pthread_cond_destroy(&log->synced_cv);
	pthread_mutex_destroy(&log->mu);
	free_log(log);
}

/* RFC 3339 in UTC with microseconds: "2026-12-07T05:30:00.123456Z". */
static void format_time(char buf[64], int64_t us)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(us % 1000000));
}

static int parse_time(int64_t *us, const char *s)
{
	struct tm tm = { 0 };
	int frac, n = 0;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, &n) != 7 ||
	    n != 27 || s[n] != '\0' || frac < 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*us = (int64_t)timegm(&tm) * 1000000 + frac;
	return 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The kinds "email,phone" as a JSON array; an empty array for NULL. */
static json_t *kinds_array(const char *kinds)
{
	json_t *a = json_array();
	const char *p = kinds, *comma;

	while (a != NULL && p != NULL && *p != '\0') {
		size_t n;

		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);

		if (n > 0 && json_array_append_new(a, json_stringn(p, n)) != 0) {
			json_decref(a);
			return NULL;
		}
		p = comma ? comma + 1 : NULL;
	}
	return a;
}

/* The entry's line, newly allocated and ending in '\n'; *len its length. */
static char *encode(const dsmap_access_entry *e, size_t *len)
{
	char when[64], *text;
	json_t *line, *kinds;

	format_time(when, e->time_us != 0 ? e->time_us : now_us());
	if ((kinds = kinds_array(e->kinds)) == NULL)
		return NULL;
	line = json_pack("{s:s, s:s?, s:s, s:s%, s:i, s:I, s:o, s:I, s:I, s:I}",
	                 "time", when, "token", e->token_name, "method", e->method,
	                 "route", e->route, strnlen(e->route, ROUTE_MAX), "status", e->status,
	                 "identifiers", (json_int_t)e->identifiers, "kinds", kinds,
	                 "systems", (json_int_t)e->systems,
	                 "bytes", (json_int_t)(e->bytes > INT64_MAX ? INT64_MAX : e->bytes),
	                 "duration_us", (json_int_t)(e->duration_us > INT64_MAX ?
	                                             INT64_MAX : e->duration_us));
	if (line == NULL)
		return NULL;   /* json_pack's "o" took kinds, whatever happened */
	text = dsmap__json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text == NULL)
		return NULL;
	*len = strlen(text);
	text[(*len)++] = '\n';   /* over the NUL: one line, one write */
	return text;
}

/* Write e's line and take its sequence number, queueing `w` (when not
 * NULL) to hear of its sync.  Called with the mutex held; 0 or an error
 * (the log broken, or broken by this write), with nothing queued. */
static int write_line(dsmap_access_log *log, const char *line, size_t len, struct waiter *w,
                      uint64_t *seq)
{
	size_t off;

	assert(!log->stopping);
	for (off = 0; off < len && log->broken == 0;) {
		ssize_t n = write(log->fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			log->broken = n < 0 ? errno : ENOSPC;
		else
			off += (size_t)n;
	}
	if (log->broken != 0)
		return broken_error(log, log->broken);
	*seq = ++log->written;
	if (w != NULL) {
		w->seq = *seq;
		w->next = NULL;
		if (log->tail != NULL)
			log->tail->next = w;
		else
			log->head = w;
		log->tail = w;
	}
	pthread_cond_signal(&log->work_cv);
	return 0;
}

static int check_entry(const dsmap_access_entry *e)
{
	if (e == NULL || e->method == NULL || e->route == NULL)
		return dsmap_error__set(DSMAP_EINVALID, "access log entry without a method or route");
	return 0;
}

int dsmap_access_log_append(dsmap_access_log *log, const dsmap_access_entry *e)
{
	uint64_t mine = 0;
	size_t len;
	char *line;
	int rc;

	if ((rc = check_entry(e)) < 0)
		return rc;
	if ((line = encode(e, &len)) == NULL)
		return dsmap_error__oom();
	pthread_mutex_lock(&log->mu);
	if ((rc = write_line(log, line, len, NULL, &mine)) == 0) {
		while (log->synced < mine)
			pthread_cond_wait(&log->synced_cv, &log->mu);
		if (log->broken != 0)
			rc = broken_error(log, log->broken);
	}
	pthread_mutex_unlock(&log->mu);
	free(line);
	return rc;
}

int dsmap_access_log_submit(dsmap_access_log *log, const dsmap_access_entry *e,
                            dsmap_access_done_fn done, void *payload)
{
	struct waiter *w = NULL;
	uint64_t mine = 0;
	size_t len;
	char *line;
	int rc;

	if ((rc = check_entry(e)) < 0)
		return rc;
	if ((line = encode(e, &len)) == NULL)
		return dsmap_error__oom();
	if (done != NULL) {
		if ((w = dsmap__malloc(sizeof(*w))) == NULL) {
			free(line);
			return dsmap_error__oom();
		}
		w->done = done;
		w->payload = payload;
	}
	pthread_mutex_lock(&log->mu);
	rc = write_line(log, line, len, w, &mine);
	pthread_mutex_unlock(&log->mu);
	if (rc < 0)
		free(w);
	free(line);
	return rc;
}

int dsmap_access_log_flush(dsmap_access_log *log)
{
	int rc = 0;

	pthread_mutex_lock(&log->mu);
	while (log->done < log->written)
		pthread_cond_wait(&log->synced_cv, &log->mu);
	if (log->broken != 0)
		rc = broken_error(log, log->broken);
	pthread_mutex_unlock(&log->mu);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* `a`'s strings joined with commas into buf; "" when there are none. */
static const char *join(char *buf, size_t size, const json_t *a)
{
	size_t i, len = 0;
	json_t *k;

	buf[0] = '\0';
	json_array_foreach(a, i, k) {
		int n = snprintf(buf + len, size - len, "%s%s", i ? "," : "",
		                 json_string_value(k) ? json_string_value(k) : "?");

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return buf;
}

static int uint_field(const json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int dsmap_access_log_read(dsmap_workspace *ws, const char *since, dsmap_access_fn fn,
                          dsmap_access_bad_fn bad, void *payload)
{
	int64_t since_us = 0, t;

	char *path = NULL, *buf = NULL, kinds[KINDS_MAX];
	size_t cap = 0, lineno = 0;
	ssize_t n = 0;
	FILE *f = NULL;
	int fd, rc = 0;

	if (since != NULL) {
		if (dsmap_git__parse_date(since, &t) != 0)
			return dsmap_error__set(DSMAP_EINVALID, "date '%s': write YYYY-MM-DD, "
			                        "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (UTC)", since);
		if (strlen(since) == 10)
			t -= 24 * 3600 - 1;   /* parse_date gives a day's last second */
		since_us = t * 1000000;
	}
	if ((fd = open_file(&path, ws, O_RDONLY)) < 0) {
		if (fd == DSMAP_ENOTFOUND) {   /* no request was ever logged */
			dsmap_error_clear();
			fd = 0;
		}
		free(path);
		return fd;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		free(path);
		return dsmap_error__oom();
	}
	for (;;) {
		dsmap_access_entry e = { 0 };
		uint64_t status, identifiers, systems;
		json_error_t jerr;
		const char *why = NULL;
		json_t *o;

		errno = 0;
		if (rc != 0 || (n = getline(&buf, &cap, f)) <= 0)
			break;
		lineno++;
		if (buf[n - 1] != '\n') {
			why = "cut short: the server stopped while writing it";
		} else if ((size_t)n > LINE_MAX_BYTES) {
			why = "longer than any entry";
		} else if ((o = json_loadb(buf, (size_t)n, 0, &jerr)) == NULL) {
			why = "not JSON";
		} else {
			if (parse_time(&e.time_us, json_string_value(json_object_get(o, "time"))) != 0 ||
			    (e.method = json_string_value(json_object_get(o, "method"))) == NULL ||
			    (e.route = json_string_value(json_object_get(o, "route"))) == NULL ||
			    uint_field(o, "status", &status) != 0 ||
			    uint_field(o, "identifiers", &identifiers) != 0 ||
			    uint_field(o, "systems", &systems) != 0 ||
			    uint_field(o, "bytes", &e.bytes) != 0 ||
			    uint_field(o, "duration_us", &e.duration_us) != 0 ||
			    !json_is_array(json_object_get(o, "kinds"))) {
				why = "not an access log entry";
			} else if (e.time_us >= since_us) {
				e.token_name = json_string_value(json_object_get(o, "token"));
				e.status = (int)(status > 999 ? 999 : status);
				e.identifiers = (unsigned int)(identifiers > UINT32_MAX ? UINT32_MAX : identifiers);
				e.systems = (unsigned int)(systems > UINT32_MAX ? UINT32_MAX : systems);
				e.kinds = join(kinds, sizeof(kinds), json_object_get(o, "kinds"));
				rc = fn(payload, lineno, &e);
			}
			json_decref(o);
		}
		if (why != NULL && bad != NULL)
			rc = bad(payload, lineno, why);
	}
	if (rc == 0 && !feof(f))   /* getline() failed before the end */
		rc = errno == ENOMEM ? dsmap_error__oom() :
		     dsmap_error__errno(DSMAP_EIO, errno ? errno : EIO, "%s", path);
	free(buf);
	fclose(f);
	free(path);
	return rc;
}
