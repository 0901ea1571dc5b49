/*
 * dsmap serve: POST /v1/scan and GET /v1/scan.
 *
 * A scan runs as a child process, `dsmap -C WS scan --format json --quiet
 * [SYSTEM...]`, of this very binary, started with posix_spawn(): a scan
 * forks its plugin runners, which a process full of server threads should
 * not do, and the child is the store's one writer while this process keeps
 * reading.  One scan at a time: a POST while one runs is a 409.  A thread
 * of its own reads the child's report and its progress (`--progress-fd`:
 * a JSON line per change of a system's state, and at most one a second
 * between) and waits for it; GET /v1/scan says whether one runs, since
 * when, where each system is, and the report of the last one.  On
 * shutdown the child is sent SIGTERM (a killed scan keeps every system's
 * previous inventory whole) and waited for.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "server.h"

extern char **environ;

#define REPORT_MAX (4u << 20)
#define SYSTEMS_MAX 64
#define PROGRESS_MAX (256u << 10)   /* a progress line longer is not kept */
#define PROGRESS_FD 3               /* the child's --progress-fd */

struct serve_scan {
	pthread_mutex_t lock;
	int running;
	int have_thread;
	pthread_t waiter;
	pid_t pid;
	int fd;
	int pfd;                    /* the progress lines, or -1 */
	char *progress;             /* the last whole progress line, or NULL */
	int64_t started, finished;
	int exit_status;            /* of the last scan; -1 killed by a signal */
	char *report;               /* its stdout, or NULL */
};

int serve_scan_init(struct server *s)
{
	if ((s->scan = calloc(1, sizeof(*s->scan))) == NULL)
		return -1;
	pthread_mutex_init(&s->scan->lock, NULL);
	s->scan->fd = -1;
	s->scan->pfd = -1;
	return 0;
}

void serve_scan_stop(struct server *s)
{
	struct serve_scan *sc = s->scan;
	int join;

	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->lock);
	if (sc->running && sc->pid > 0)
		kill(sc->pid, SIGTERM);
	join = sc->have_thread;
	sc->have_thread = 0;
	pthread_mutex_unlock(&sc->lock);
	if (join)
		pthread_join(sc->waiter, NULL);
	pthread_mutex_destroy(&sc->lock);
	free(sc->report);
	free(sc->progress);
	free(sc);
	s->scan = NULL;
}

/* The progress lines read so far: each whole line replaces the last one
 * kept (under the lock); a line longer than PROGRESS_MAX is skipped. */
struct lines {
	char *buf;
	size_t len;
	int skipping;
};

static void progress_read(struct serve_scan *sc, struct lines *l, int *open)
{
	char chunk[8192];
	ssize_t n = read(sc->pfd, chunk, sizeof(chunk));
	ssize_t i, from = 0;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		*open = 0;
		return;
	}
	for (i = 0; i <= n; i++) {
		size_t part;
		char *grown;

		if (i < n && chunk[i] != '\n')
			continue;
		part = (size_t)(i - from);
		if (!l->skipping && l->len + part < PROGRESS_MAX &&
		    (grown = realloc(l->buf, l->len + part + 1)) != NULL) {
			l->buf = grown;
			memcpy(l->buf + l->len, chunk + from, part);
			l->len += part;
			l->buf[l->len] = '\0';
		} else {
			l->skipping = 1;
		}
		if (i < n) {   /* a line ends here */
			if (!l->skipping && l->buf != NULL) {
				pthread_mutex_lock(&sc->lock);
				free(sc->progress);
				sc->progress = l->buf;
				pthread_mutex_unlock(&sc->lock);
				l->buf = NULL;
			}
			l->len = 0;
			l->skipping = 0;
		}
		from = i + 1;
	}
}

static void *wait_scan(void *arg)
{
	struct serve_scan *sc = arg;
	struct lines pl = { NULL, 0, 0 };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int status = 0, overflow = 0, out_open = 1, progress_open = sc->pfd >= 0;

	while (out_open || progress_open) {
		struct pollfd p[2];
		ssize_t n;

		p[0].fd = out_open ? sc->fd : -1;
		p[0].events = POLLIN;
		p[1].fd = progress_open ? sc->pfd : -1;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (progress_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			progress_read(sc, &pl, &progress_open);
		if (!out_open || !(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (cap - len < 4096 && !overflow) {
			char *b = cap < REPORT_MAX ? realloc(buf, cap + 65536) : NULL;

			if (b == NULL) {
				overflow = 1;
			} else {
				buf = b;
				cap += 65536;
			}
		}
		if (overflow) {
			char sink[4096];

			n = read(sc->fd, sink, sizeof(sink));
		} else {
			n = read(sc->fd, buf + len, cap - len - 1);
			if (n > 0)
				len += (size_t)n;
		}
		if (n == 0 || (n < 0 && errno != EINTR))
			out_open = 0;
	}
	free(pl.buf);
	close(sc->fd);
	if (sc->pfd >= 0)
		close(sc->pfd);
	while (waitpid(sc->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf != NULL)
		buf[len] = '\0';
	pthread_mutex_lock(&sc->lock);
	free(sc->report);
	sc->report = overflow ? NULL : buf;
	if (overflow)
		free(buf);
	sc->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	sc->finished = (int64_t)time(NULL);
	sc->running = 0;
	sc->pid = 0;
	sc->fd = -1;
	sc->pfd = -1;
	pthread_mutex_unlock(&sc->lock);
	return NULL;
}

/* A system id as `dsmap scan` takes it: letters, digits, '-', '_', '.'. */
static int system_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 128 && id[0] != '-' && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static void start(struct serve_request *r)
{
	struct serve_scan *sc = r->srv->scan;
	const char *argv[8 + SYSTEMS_MAX];
	json_t *doc = NULL, *systems = NULL, *x;
	json_error_t err;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char self[4096], why[256], *out;
	size_t argc = 0, i;
	ssize_t n;
	int fds[2], pfds[2], rc;
	pid_t pid;

	if (r->len > 0) {
		if ((doc = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
			snprintf(why, sizeof(why), "the body is not JSON: %s at line %d, column %d",
			         err.text, err.line, err.column);
			serve_problem(r, 400, why, json_pack("{s:i, s:i}", "line", err.line,
			              "column", err.column));
			return;
		}
		systems = json_object_get(doc, "systems");
		if (!json_is_object(doc) || json_object_size(doc) != (systems != NULL) ||
		    (systems != NULL && (!json_is_array(systems) ||
		                         json_array_size(systems) > SYSTEMS_MAX))) {
			json_decref(doc);
			serve_problem(r, 422, "the body is {} or {\"systems\": [ID, ...]} (at most 64)",
			              NULL);
			return;
		}
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		json_decref(doc);
		serve_problem(r, 500, "cannot find this program to run the scan", NULL);
		return;
	}
	self[n] = '\0';
	argv[argc++] = "dsmap";
	argv[argc++] = "-C";
	argv[argc++] = dsmap_workspace_path(r->srv->ws);
	argv[argc++] = "scan";
	argv[argc++] = "--format=json";
	argv[argc++] = "--quiet";
	argv[argc++] = "--progress-fd=3";
	argv[argc++] = "--";
	json_array_foreach(systems, i, x) {
		if (!json_is_string(x) || !system_ok(json_string_value(x))) {
			snprintf(why, sizeof(why), "system %zu is no system id", i + 1);
			json_decref(doc);
			serve_problem(r, 422, why, NULL);
			return;
		}
		argv[argc++] = json_string_value(x);
	}
	argv[argc] = NULL;
	pthread_mutex_lock(&sc->lock);
	if (sc->running || sc->have_thread) {
		if (!sc->running) {   /* the last one's thread is done: reap it */
			pthread_join(sc->waiter, NULL);
			sc->have_thread = 0;
		}
	}
	if (sc->running) {
		pthread_mutex_unlock(&sc->lock);
		json_decref(doc);
		serve_problem(r, 409, "a scan is running: GET /v1/scan says how it goes", NULL);
		return;
	}
	if (pipe(fds) < 0) {
		pthread_mutex_unlock(&sc->lock);
		json_decref(doc);
		serve_problem(r, 503, "cannot start a scan: no pipe", NULL);
		return;
	}
	if (pipe(pfds) < 0) {
		close(fds[0]);
		close(fds[1]);
		pthread_mutex_unlock(&sc->lock);
		json_decref(doc);
		serve_problem(r, 503, "cannot start a scan: no pipe", NULL);
		return;
	}
	/* The child gets default signals: this process blocks SIGTERM, SIGINT
	 * and SIGHUP in every thread (server.c) and ignores SIGPIPE, which a
	 * spawned program would inherit. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	posix_spawn_file_actions_addclose(&fa, pfds[0]);
	if (pfds[1] != PROGRESS_FD) {   /* pipe(): not close-on-exec */
		posix_spawn_file_actions_adddup2(&fa, pfds[1], PROGRESS_FD);
		posix_spawn_file_actions_addclose(&fa, pfds[1]);
	}
	rc = posix_spawn(&pid, self, &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	close(pfds[1]);
	json_decref(doc);
	if (rc != 0) {
		close(fds[0]);
		close(pfds[0]);
		pthread_mutex_unlock(&sc->lock);
		snprintf(why, sizeof(why), "cannot start a scan: %s", strerror(rc));
		serve_problem(r, 503, why, NULL);
		return;
	}
	sc->pid = pid;
	sc->fd = fds[0];
	sc->pfd = pfds[0];
	free(sc->progress);
	sc->progress = NULL;
	sc->running = 1;
	sc->started = (int64_t)time(NULL);
	sc->finished = 0;
	if (pthread_create(&sc->waiter, NULL, wait_scan, sc) != 0) {
		/* no thread to wait: wait here, the request pays for it */
		pthread_mutex_unlock(&sc->lock);
		wait_scan(sc);
		pthread_mutex_lock(&sc->lock);
	} else {
		sc->have_thread = 1;
	}
	pthread_mutex_unlock(&sc->lock);
	if ((out = malloc(96)) == NULL) {
		serve_problem(r, 503, "out of memory", NULL);
		return;
	}
	snprintf(out, 96, "{\"schema\":1,\"state\":\"running\",\"started\":%lld}\n",
	         (long long)sc->started);
	serve_answer(r, out, "application/json");
	r->status = 202;
}

static void progress(struct serve_request *r)
{
	struct serve_scan *sc = r->srv->scan;
	json_t *o = json_object(), *report = NULL, *prog = NULL;
	const char *state;
	char *s = NULL;
	int bad = 0;

	pthread_mutex_lock(&sc->lock);
	state = sc->running ? "running" : sc->started == 0 ? "idle" :
	        sc->exit_status == 0 ? "done" : "failed";
	if (!sc->running && sc->report != NULL)
		report = json_loads(sc->report, 0, NULL);
	if (sc->progress != NULL) {
		json_t *line = json_loads(sc->progress, 0, NULL);

		prog = json_incref(json_object_get(line, "systems"));
		json_decref(line);
	}
	bad |= json_object_set_new(o, "schema", json_integer(1));
	bad |= json_object_set_new(o, "state", json_string(state));
	bad |= json_object_set_new(o, "started", sc->started ? json_integer(sc->started) : json_null());
	bad |= json_object_set_new(o, "finished", sc->finished ? json_integer(sc->finished) :
	                           json_null());
	if (!sc->running && sc->started != 0)
		bad |= json_object_set_new(o, "exit_status", json_integer(sc->exit_status));
	/* where each system is: while it runs, and as the last scan ended */
	bad |= json_object_set_new(o, "systems", json_is_array(prog) ? prog : json_array());
	if (!json_is_array(prog))
		json_decref(prog);
	bad |= json_object_set_new(o, "report", report != NULL ? report : json_null());
	pthread_mutex_unlock(&sc->lock);
	if (o == NULL || bad || (s = json_dumps(o, JSON_INDENT(2))) == NULL) {
		json_decref(o);
		serve_problem(r, 503, "out of memory", NULL);
		return;
	}
	json_decref(o);
	{
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (t == NULL) {
			free(s);
			serve_problem(r, 503, "out of memory", NULL);
			return;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		serve_answer(r, t, "application/json");
	}
}

void serve_scan(struct serve_request *r)
{
	if (strcmp(r->method, "POST") == 0)
		start(r);
	else if (serve_args_only(r, NULL))
		progress(r);
	else
		serve_problem(r, 400, "GET /v1/scan takes no query arguments", NULL);
}
