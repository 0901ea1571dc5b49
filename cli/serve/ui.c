/*
 * dsmap serve: the web UI.  See docs/web-ui.md.
 *
 * The UI is one page shell (ui/index.html) and its script and style,
 * built into the binary; the script reads the path and draws the page
 * from the /v1 API, as any client of the API does.  The server makes no
 * HTML of its own: the shell is static, and the script puts text into the
 * page with textContent, never as markup.
 *
 * Sign-in: the page posts a token to /ui/session and gets a session
 * (session.c) in an HttpOnly, SameSite=Strict cookie (Secure under TLS).
 * The API then takes the cookie as it takes the token, with the same role
 * checks (auth.c calls ui_session_role()).
 *
 * CSRF: every POST made with the session cookie carries the session's
 * CSRF token in X-CSRF-Token; the page reads it from the dsmap_csrf
 * cookie (readable by the page's script, never by another site's).  The
 * sign-in itself, made before there is a session, carries the token of
 * the dsmap_csrf cookie that the shell set (double submit), and its
 * Origin, when the browser sends one, must be this server's.
 *
 * Every answer carries a Content-Security-Policy that lets the page load
 * its own script and style and talk to its own server, nothing else: no
 * inline script, no other origin.
 *
 * The shell of the overview, asked for with an auditor's or an admin's
 * session, names the API answers the overview draws from as preloads:
 * the browser asks for them while it loads the script, and the script's
 * own requests for the same URLs take them (docs/web-ui.md, "Speed").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server.h"
#include "session.h"
#include "ui.h"

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

int ui_open(struct server *s)
{
	s->sessions = sessions_new(SESSION_MAX, SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS);
	s->graphviz = ui_graphviz_open();
	return s->sessions != NULL && s->graphviz != NULL ? 0 : -1;
}

void ui_close(struct server *s)
{
	sessions_free(s->sessions);
	s->sessions = NULL;
	ui_graphviz_close(s->graphviz);
	s->graphviz = NULL;
}

static const char *header(struct serve_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The value of cookie `name`: 0, or -1 when the request has none that
 * can be one of ours. */
static int cookie(struct serve_request *r, const char *name, char out[SESSION_ID_LEN + 1])
{
	return session_cookie(header(r, MHD_HTTP_HEADER_COOKIE), name, out, SESSION_ID_LEN + 1);
}

static void set_cookie(struct serve_request *r, int which, const char *name, const char *value,
                       int http_only)
{
	snprintf(r->set_cookie[which], sizeof(r->set_cookie[which]),
	         "%s=%s; Path=/; SameSite=Strict%s%s%s", name, value[0] ? value : "x",
	         http_only ? "; HttpOnly" : "", r->srv->tls ? "; Secure" : "",
	         value[0] ? "" : "; Max-Age=0");
}

int ui_session_role(struct serve_request *r, int *role)
{
	char id[SESSION_ID_LEN + 1];
	struct session_info info;

	if (cookie(r, "dsmap_session", id) < 0 ||
	    sessions_lookup(r->srv->sessions, id, time(NULL), &info) < 0)
		return -1;
	snprintf(r->token_buf, sizeof(r->token_buf), "%s", info.name);
	r->token_name = r->token_buf;
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
	    !session_csrf_ok(info.csrf, header(r, "X-CSRF-Token"))) {
		serve_problem(r, 403, "a change made with a session cookie needs the session's "
		              "CSRF token in X-CSRF-Token", NULL);
		return 403;
	}
	*role = info.role;
	return 0;
}

struct revoked {
	struct server *s;
	size_t ended;
};

static int end_revoked(void *payload, const dsmap_token_info *t)
{
	struct revoked *v = payload;

	if (t->revoked != 0)
		v->ended += sessions_end_name(v->s->sessions, t->name);
	return 0;
}

void ui_tokens_reloaded(struct server *s)
{
	struct revoked v = { s, 0 };

	if (dsmap_token_list(s->ws, end_revoked, &v) < 0)
		fprintf(stderr, "dsmap: serve: SIGHUP: tokens: %s\n", dsmap_error_last()->message);
	else if (v.ended > 0)
		fprintf(stderr, "dsmap: serve: SIGHUP: %zu sessions of revoked tokens ended\n",
		        v.ended);
}

int ui_headers(struct serve_request *r, void *response)
{
	struct MHD_Response *resp = response;
	int i;

	if (MHD_add_response_header(resp, "Content-Security-Policy", CSP) != MHD_YES ||
	    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Frame-Options", "DENY") != MHD_YES)
		return -1;
	for (i = 0; i < 2; i++)
		if (r->set_cookie[i][0] != '\0' &&
		    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
		                            r->set_cookie[i]) != MHD_YES)
			return -1;
	return 0;
}

/* Answer `j` (taken) as JSON. */
static void answer_json(struct serve_request *r, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (s == NULL)
		serve_problem(r, 500, "out of memory", NULL);
	else
		serve_answer(r, s, "application/json");
}

/* The session of the request, if any. */
static int session_of(struct serve_request *r, char id[SESSION_ID_LEN + 1],
                      struct session_info *info)
{
	return cookie(r, "dsmap_session", id) == 0 &&
	       sessions_lookup(r->srv->sessions, id, time(NULL), info) == 0 ? 0 : -1;
}

/* Give the browser a dsmap_csrf cookie when it has none, or the session's
 * when it holds another. */
static void csrf_cookie(struct serve_request *r, const struct session_info *info)
{
	char have[SESSION_ID_LEN + 1], fresh[SESSION_ID_LEN + 1];
	int has = cookie(r, "dsmap_csrf", have) == 0 && strlen(have) == SESSION_ID_LEN;

	if (info != NULL) {
		if (!has || strcmp(have, info->csrf) != 0)
			set_cookie(r, 1, "dsmap_csrf", info->csrf, 0);
	} else if (!has) {
		session_random_hex(fresh);
		set_cookie(r, 1, "dsmap_csrf", fresh, 0);
	}
}

/* The shell with the overview's API answers named as preloads, before
 * </head>: exactly the URLs app.js's pageOverview() asks for (its api()
 * puts no query on a request without one, and only lang= on the audit),
 * in the same mode (crossorigin="anonymous": a same-origin request that
 * carries the session cookie, as its fetch() does).  The shell as it is
 * when it has no </head>; NULL out of memory. */
static char *overview_shell(const char *shell, size_t len, const char *lang)
{
	static const char *const urls[] = {
		"/v1/status", "/v1/purposes", "/v1/categories", "/v1/recipients",
		"/v1/subject-kinds", "/v1/systems", NULL
	};
	const char *head = strstr(shell, "</head>");
	char links[1024], *out;
	size_t n = 0, i, at;

	if (head == NULL)
		return strdup(shell);
	for (i = 0; urls[i] != NULL; i++)
		n += (size_t)snprintf(links + n, sizeof(links) - n, "<link rel=\"preload\" href=\"%s\" "
		                      "as=\"fetch\" crossorigin=\"anonymous\">\n", urls[i]);
	n += (size_t)snprintf(links + n, sizeof(links) - n, "<link rel=\"preload\" "
	                      "href=\"/v1/audit?lang=%s\" as=\"fetch\" crossorigin=\"anonymous\">\n",
	                      lang);
	if (n >= sizeof(links) || (out = malloc(len + n + 1)) == NULL)
		return NULL;
	at = (size_t)(head - shell);
	memcpy(out, shell, at);
	memcpy(out + at, links, n);
	memcpy(out + at + n, head, len - at + 1);
	return out;
}

static void page(struct serve_request *r)
{
	const char *name = r->m.ui_asset ? r->m.id : "index.html";
	char id[SESSION_ID_LEN + 1];
	struct session_info info;
	int signed_in = 0;
	size_t i, len;
	char *body;

	for (i = 0; ui_assets[i].name != NULL; i++)
		if (strcmp(ui_assets[i].name, name) == 0)
			break;
	if (ui_assets[i].name == NULL) {
		serve_problem(r, 404, "no such file of the web UI", NULL);
		return;
	}
	if (!r->m.ui_asset)
		signed_in = session_of(r, id, &info) == 0;
	len = ui_assets[i].len;
	/* Only the overview at the synced revision (no at=), and only for
	 * the roles that may read it: a dsar session's shell names nothing
	 * it would be refused. */
	if (r->m.ui_overview && signed_in && serve_arg(r, "at") == NULL &&
	    (info.role == DSMAP_ROLE_AUDITOR || info.role == DSMAP_ROLE_ADMIN)) {
		const char *lang = serve_arg(r, "lang");

		body = overview_shell(ui_assets[i].data, len,
		                      lang != NULL && strcmp(lang, "en") == 0 ? "en" : "fr");
		len = body != NULL ? strlen(body) : 0;
	} else if ((body = malloc(len + 1)) != NULL) {
		memcpy(body, ui_assets[i].data, len + 1);
	}
	if (body == NULL) {
		serve_problem(r, 503, "out of memory", NULL);
		return;
	}
	serve_answer(r, body, ui_assets[i].type);
	r->answer_len = len;
	if (!r->m.ui_asset)
		csrf_cookie(r, signed_in ? &info : NULL);
}

static json_t *who(const struct session_info *info)
{
	if (info == NULL)
		return json_pack("{s:b}", "signed_in", 0);
	return json_pack("{s:b, s:s, s:s}", "signed_in", 1,
	                 "role", dsmap_role_name((dsmap_role)info->role), "name", info->name);
}

/* A sign-in from a page of another site: its Origin is not ours. */
static int foreign_origin(struct serve_request *r)
{
	const char *origin = header(r, "Origin"), *host = header(r, MHD_HTTP_HEADER_HOST);
	const char *scheme = r->srv->tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (origin == NULL)
		return 0;
	return host == NULL || strncmp(origin, scheme, n) != 0 || strcmp(origin + n, host) != 0;
}

static void sign_in(struct serve_request *r)
{
	char pre[SESSION_ID_LEN + 1], id[SESSION_ID_LEN + 1];
	struct session_info info;
	dsmap_role role = DSMAP_ROLE_NONE;
	const char *name = NULL, *tok;
	json_t *doc;
	int rc;

	if (cookie(r, "dsmap_csrf", pre) < 0 ||
	    !session_csrf_ok(pre, header(r, "X-CSRF-Token")) || foreign_origin(r)) {
		serve_problem(r, 403, "a sign-in carries the dsmap_csrf cookie's value in "
		              "X-CSRF-Token, from a page of this server", NULL);
		return;
	}
	doc = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
	tok = json_string_value(json_object_get(doc, "token"));
	if (tok == NULL) {
		json_decref(doc);
		serve_problem(r, 422, "a sign-in is {\"token\": \"...\"}", NULL);
		return;
	}
	pthread_rwlock_rdlock(&r->srv->tokens_lock);
	rc = dsmap_tokens_check(r->srv->tokens, tok, strlen(tok), &role, &name);
	if (rc == 0)
		snprintf(r->token_buf, sizeof(r->token_buf), "%s", name);
	pthread_rwlock_unlock(&r->srv->tokens_lock);
	json_decref(doc);
	if (rc != 0) {
		serve_problem(r, 401, "the token is unknown or revoked", NULL);
		return;
	}
	r->token_name = r->token_buf;
	if (sessions_create(r->srv->sessions, (int)role, r->token_buf, time(NULL), id, &info) < 0) {
		serve_problem(r, 503, "out of memory", NULL);
		return;
	}
	set_cookie(r, 0, "dsmap_session", id, 1);
	set_cookie(r, 1, "dsmap_csrf", info.csrf, 0);
	answer_json(r, who(&info));
}

static void sign_out(struct serve_request *r)
{
	char id[SESSION_ID_LEN + 1];
	struct session_info info;

	if (session_of(r, id, &info) == 0) {
		if (!session_csrf_ok(info.csrf, header(r, "X-CSRF-Token"))) {
			serve_problem(r, 403, "a sign-out carries the session's CSRF token in "
			              "X-CSRF-Token", NULL);
			return;
		}
		sessions_end(r->srv->sessions, id);
	}
	set_cookie(r, 0, "dsmap_session", "", 1);
	answer_json(r, who(NULL));
}

void ui_dispatch(struct serve_request *r)
{
	char id[SESSION_ID_LEN + 1];
	struct session_info info;

	switch (r->m.route) {
	case ROUTE_UI:
		page(r);
		break;
	case ROUTE_UI_SESSION:
		if (strcmp(r->method, "POST") == 0) {
			sign_in(r);
		} else {
			int in = session_of(r, id, &info) == 0;

			csrf_cookie(r, in ? &info : NULL);
			answer_json(r, who(in ? &info : NULL));
		}
		break;
	case ROUTE_UI_SIGNOUT:
		sign_out(r);
		break;
	case ROUTE_UI_GRAPH:
		ui_graph(r);
		break;
	default:
		serve_problem(r, 404, "no such route", NULL);
		break;
	}
}
