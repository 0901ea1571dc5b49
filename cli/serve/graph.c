/*
 * dsmap serve: the web UI's lineage graph, laid out by Graphviz (libgvc)
 * and answered as SVG: categories -> purposes -> recipients, and the
 * systems that serve the purposes, each node a link to its page.
 *
 * GET /ui/graph.svg?at=REV|DATE&node=KIND:ID&depth=N&lang=fr|en (auditor).
 * The graph is made from the lists the API answers (dsmap_ls(), JSON), at
 * the revision asked; `node` keeps only the nodes within `depth` edges of
 * it (1 by default, at most 4).  Graphviz escapes the labels it writes
 * into the SVG; the DOT it reads is quoted here (dot_str()).
 *
 * One Graphviz context for the server's life, used under its own lock
 * (Graphviz is not thread-safe), with two plugins only, loaded as
 * built-ins from Graphviz's plugin folder: the dot layout and the core
 * renderers (SVG).  Graphviz's default context loads every plugin of its
 * config, pango and fontconfig among them, which cost time and leak at
 * each context; without them, text is measured with Graphviz's own font
 * metrics, good enough for boxes around labels.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gvc.h>
#include <jansson.h>

#include "server.h"

struct ui_graphviz {
	pthread_mutex_t lock;
	void *dl[2];
	lt_symlist_t builtins[3];
	GVC_t *gvc;
};

void ui_graphviz_close(struct ui_graphviz *v)
{
	if (v == NULL)
		return;
	if (v->gvc != NULL)
		gvFreeContext(v->gvc);
	/* The plugins stay loaded: the dot layout keeps work buffers in its
	 * own statics, reused from one layout to the next, which unloading
	 * would turn into leaks.  The process ends soon after. */
	pthread_mutex_destroy(&v->lock);
	free(v);
}

struct ui_graphviz *ui_graphviz_open(void)
{
	static const char *const names[2][2] = {
		{ GVC_PLUGIN_DIR "/libgvplugin_dot_layout.so.6", "gvplugin_dot_layout_LTX_library" },
		{ GVC_PLUGIN_DIR "/libgvplugin_core.so.6", "gvplugin_core_LTX_library" },
	};
	struct ui_graphviz *v = calloc(1, sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	pthread_mutex_init(&v->lock, NULL);
	for (i = 0; i < 2; i++) {
		if ((v->dl[i] = dlopen(names[i][0], RTLD_NOW | RTLD_LOCAL)) == NULL ||
		    (v->builtins[i].address = dlsym(v->dl[i], names[i][1])) == NULL) {
			fprintf(stderr, "dsmap: serve: Graphviz: %s\n", dlerror());
			ui_graphviz_close(v);
			return NULL;
		}
		v->builtins[i].name = names[i][1];
	}
	if ((v->gvc = gvContextPlugins(v->builtins, 0)) == NULL) {
		fprintf(stderr, "dsmap: serve: Graphviz: no context\n");
		ui_graphviz_close(v);
		return NULL;
	}
	return v;
}

struct graph {
	json_t *nodes;     /* key "p:ID" -> {label, url, shape} */
	json_t *adj;       /* key -> {key: true} (both ways) */
	json_t *edges;     /* [[from, to, style]] */
};

/* A DOT string: "...", with " and \ escaped and control bytes dropped. */
static void dot_str(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_printf(b, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			sb_printf(b, "%c", *s);
	}
	sb_printf(b, "\"");
}

static int add_node(struct graph *g, char kind, const char *id, const char *label,
                    const char *url_prefix, const char *shape)
{
	char key[ROUTE_ID_MAX + 4], url[ROUTE_ID_MAX + 32];

	if (id == NULL)   /* not in this list's schema: left out */
		return 0;
	snprintf(key, sizeof(key), "%c:%s", kind, id);
	snprintf(url, sizeof(url), "%s%s", url_prefix, id);
	return json_object_set_new(g->nodes, key, json_pack("{s:s, s:s, s:s}", "label",
	                           label != NULL ? label : id, "url", url, "shape", shape));
}

static int link_one(json_t *adj, const char *a, const char *b)
{
	json_t *set = json_object_get(adj, a);

	if (set == NULL && json_object_set_new(adj, a, set = json_object()) < 0)
		return -1;
	return json_object_set_new(set, b, json_true());
}

static int add_edge(struct graph *g, char ka, const char *a, char kb, const char *b,
                    const char *style)
{
	char x[ROUTE_ID_MAX + 4], y[ROUTE_ID_MAX + 4];

	if (a == NULL || b == NULL)
		return 0;
	snprintf(x, sizeof(x), "%c:%s", ka, a);
	snprintf(y, sizeof(y), "%c:%s", kb, b);
	if (link_one(g->adj, x, y) < 0 || link_one(g->adj, y, x) < 0)
		return -1;
	return json_array_append_new(g->edges, json_pack("[s, s, s]", x, y, style));
}

/* The list `kind` at `at` as JSON, or NULL with a problem answered. */
static json_t *list(struct serve_request *r, int kind, const char *at)
{
	dsmap_ls_options o = DSMAP_LS_OPTIONS_INIT;
	char *out = NULL;
	json_t *j;
	int rc;

	o.at = at;
	rc = dsmap_ls(&out, r->ws, kind, &o, DSMAP_FORMAT_JSON);
	if (rc < 0) {
		serve_problem(r, rc == DSMAP_ENOTFOUND ? 404 : rc == DSMAP_EINVALID ? 400 : 500,
		              dsmap_error_last()->message, NULL);
		return NULL;
	}
	j = json_loads(out, 0, NULL);
	dsmap_free(out);
	if (!json_is_array(json_object_get(j, "items"))) {
		json_decref(j);
		serve_problem(r, 500, "the list is not the JSON of dsmap ls", NULL);
		return NULL;
	}
	return j;
}

static const char *name_of(json_t *o, int en, const char *fr_key, const char *en_key)
{
	const char *s = json_string_value(json_object_get(o, en ? en_key : fr_key));

	if (s == NULL)
		s = json_string_value(json_object_get(o, en ? fr_key : en_key));
	return s;
}

/* The graph at `at`: 0, or -1 with a problem answered. */
static int build(struct serve_request *r, struct graph *g, const char *at, int en)
{
	json_t *l[4] = { NULL, NULL, NULL, NULL }, *x, *y;
	static const int kinds[4] = { DSMAP_LS_CATEGORIES, DSMAP_LS_PURPOSES, DSMAP_LS_RECIPIENTS,
	                              DSMAP_LS_SYSTEMS };
	size_t i, k;
	int rc = 0;

	for (i = 0; i < 4; i++)
		if ((l[i] = list(r, kinds[i], at)) == NULL) {
			rc = -1;
			goto done;
		}
	json_array_foreach(json_object_get(l[0], "items"), i, x)
		rc |= add_node(g, 'c', json_string_value(json_object_get(x, "ref")),
		               name_of(x, en, "name_fr", "name_en"), "/categories/", "box");
	json_array_foreach(json_object_get(l[2], "items"), i, x)
		rc |= add_node(g, 'r', json_string_value(json_object_get(x, "id")),
		               name_of(x, en, "name_fr", "name_en"), "/recipients/", "hexagon");
	json_array_foreach(json_object_get(l[1], "items"), i, x) {
		const char *id = json_string_value(json_object_get(x, "id"));

		rc |= add_node(g, 'p', id, name_of(x, en, "title_fr", "title_en"), "/purposes/",
		               "ellipse");
		json_array_foreach(json_object_get(x, "categories"), k, y)
			rc |= add_edge(g, 'c', json_string_value(y), 'p', id, "solid");
		json_array_foreach(json_object_get(x, "recipients"), k, y)
			rc |= add_edge(g, 'p', id, 'r', json_string_value(y), "solid");
	}
	json_array_foreach(json_object_get(l[3], "items"), i, x) {
		const char *id = json_string_value(json_object_get(x, "id"));

		rc |= add_node(g, 's', id, json_string_value(json_object_get(x, "name")), "/systems/",
		               "cylinder");
		json_array_foreach(json_object_get(x, "purposes"), k, y)
			rc |= add_edge(g, 's', id, 'p', json_string_value(y), "dashed");
	}
	if (rc != 0)
		serve_problem(r, 503, "out of memory", NULL);
done:
	for (i = 0; i < 4; i++)
		json_decref(l[i]);
	return rc != 0 ? -1 : 0;
}

/* The nodes within `depth` edges of `start`, as a set {key: true}. */
static json_t *near(struct graph *g, const char *start, int depth)
{
	json_t *seen = json_object(), *frontier = json_array();
	int d;

	if (seen == NULL || frontier == NULL || json_object_set_new(seen, start, json_true()) < 0 ||
	    json_array_append_new(frontier, json_string(start)) < 0)
		goto oom;
	for (d = 0; d < depth; d++) {
		json_t *next = json_array(), *k;
		size_t i;

		if (next == NULL)
			goto oom;
		json_array_foreach(frontier, i, k) {
			const char *key;
			json_t *v;

			json_object_foreach(json_object_get(g->adj, json_string_value(k)), key, v) {
				if (json_object_get(seen, key) != NULL)
					continue;
				if (json_object_set_new(seen, key, json_true()) < 0 ||
				    json_array_append_new(next, json_string(key)) < 0) {
					json_decref(next);
					goto oom;
				}
			}
		}
		json_decref(frontier);
		frontier = next;
	}
	json_decref(frontier);
	return seen;
oom:
	json_decref(seen);
	json_decref(frontier);
	return NULL;
}

static void to_dot(struct sbuf *b, struct graph *g, json_t *keep, const char *focus)
{
	const char *key;
	json_t *v;
	size_t i;

	sb_printf(b, "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", "
	          "fontsize=11, margin=\"0.25,0.06\", style=filled, fillcolor=\"#ffffff\"];\n");
	json_object_foreach(g->nodes, key, v) {
		if (keep != NULL && json_object_get(keep, key) == NULL)
			continue;
		sb_printf(b, "  ");
		dot_str(b, key);
		sb_printf(b, " [shape=%s, label=", json_string_value(json_object_get(v, "shape")));
		dot_str(b, json_string_value(json_object_get(v, "label")));
		sb_printf(b, ", URL=");
		dot_str(b, json_string_value(json_object_get(v, "url")));
		sb_printf(b, ", tooltip=");
		dot_str(b, key + 2);
		if (focus != NULL && strcmp(focus, key) == 0)
			sb_printf(b, ", fillcolor=\"#e8f0f8\", penwidth=2");
		sb_printf(b, "];\n");
	}
	json_array_foreach(g->edges, i, v) {
		const char *a = json_string_value(json_array_get(v, 0));
		const char *c = json_string_value(json_array_get(v, 1));

		if (keep != NULL && (json_object_get(keep, a) == NULL || json_object_get(keep, c) == NULL))
			continue;
		sb_printf(b, "  ");
		dot_str(b, a);
		sb_printf(b, " -> ");
		dot_str(b, c);
		sb_printf(b, " [style=%s];\n", json_string_value(json_array_get(v, 2)));
	}
	sb_printf(b, "}\n");
}

/* "purpose:ID" -> "p:ID"; NULL when it names no kind. */
static int node_key(char *out, size_t n, const char *node)
{
	static const struct { const char *name; char k; } kinds[] = {
		{ "category:", 'c' }, { "purpose:", 'p' }, { "recipient:", 'r' }, { "system:", 's' },
	};
	size_t i;

	for (i = 0; i < 4; i++) {
		size_t len = strlen(kinds[i].name);

		if (strncmp(node, kinds[i].name, len) == 0) {
			snprintf(out, n, "%c:%s", kinds[i].k, node + len);
			return 0;
		}
	}
	return -1;
}

static int layout(struct serve_request *r, const char *dot)
{
	struct ui_graphviz *v = r->srv->graphviz;
	Agraph_t *g;
	char *svg = NULL, *copy;
	unsigned int len = 0;
	int rc = -1;

	pthread_mutex_lock(&v->lock);
	if ((g = agmemread(dot)) == NULL || gvLayout(v->gvc, g, "dot") != 0) {
		serve_problem(r, 500, "Graphviz could not lay the graph out", NULL);
		goto done;
	}
	if (gvRenderData(v->gvc, g, "svg", &svg, &len) != 0 || svg == NULL) {
		serve_problem(r, 500, "Graphviz could not draw the graph as SVG", NULL);
		gvFreeLayout(v->gvc, g);
		goto done;
	}
	if ((copy = malloc((size_t)len + 1)) == NULL) {
		serve_problem(r, 503, "out of memory", NULL);
	} else {
		memcpy(copy, svg, len);
		copy[len] = '\0';
		serve_answer(r, copy, "image/svg+xml");
		r->answer_len = len;
		rc = 0;
	}
	gvFreeRenderData(svg);
	gvFreeLayout(v->gvc, g);
done:
	if (g != NULL)
		agclose(g);
	pthread_mutex_unlock(&v->lock);
	return rc;
}

void ui_graph(struct serve_request *r)
{
	static const char *const args[] = { "at", "node", "depth", "lang", NULL };
	const char *at = serve_arg(r, "at"), *node = serve_arg(r, "node");
	const char *depth_s = serve_arg(r, "depth"), *lang = serve_arg(r, "lang");
	struct graph g = { json_object(), json_object(), json_array() };
	struct sbuf b = { NULL, 0, 0, 0 };
	char focus[ROUTE_ID_MAX + 4];
	json_t *keep = NULL;
	int depth = 1;

	if (!serve_args_only(r, args)) {
		serve_problem(r, 400, "the graph takes at, node, depth and lang", NULL);
		goto done;
	}
	if (depth_s != NULL && (depth_s[0] < '1' || depth_s[0] > '4' || depth_s[1] != '\0')) {
		serve_problem(r, 400, "depth= is a number from 1 to 4", NULL);
		goto done;
	}
	if (depth_s != NULL)
		depth = depth_s[0] - '0';
	if (at != NULL && at[0] == '\0')
		at = NULL;
	if (node != NULL && node[0] != '\0' && node_key(focus, sizeof(focus), node) < 0) {
		serve_problem(r, 400, "node= is category:ID, purpose:ID, recipient:ID or system:ID",
		              NULL);
		goto done;
	}
	if (g.nodes == NULL || g.adj == NULL || g.edges == NULL) {
		serve_problem(r, 503, "out of memory", NULL);
		goto done;
	}
	pthread_mutex_lock(&r->srv->git_lock);
	if (build(r, &g, at, lang != NULL && strcmp(lang, "en") == 0) < 0) {
		pthread_mutex_unlock(&r->srv->git_lock);
		goto done;
	}
	if (node != NULL && node[0] != '\0') {
		if (json_object_get(g.nodes, focus) == NULL) {
			pthread_mutex_unlock(&r->srv->git_lock);
			serve_problem(r, 404, "no such node in this revision", NULL);
			goto done;
		}
		if ((keep = near(&g, focus, depth)) == NULL) {
			pthread_mutex_unlock(&r->srv->git_lock);
			serve_problem(r, 503, "out of memory", NULL);
			goto done;
		}
	}
	pthread_mutex_unlock(&r->srv->git_lock);
	to_dot(&b, &g, keep, node != NULL && node[0] != '\0' ? focus : NULL);
	if (b.oom)
		serve_problem(r, 503, "out of memory", NULL);
	else
		layout(r, b.p);
done:
	free(b.p);
	json_decref(keep);
	json_decref(g.nodes);
	json_decref(g.adj);
	json_decref(g.edges);
}
