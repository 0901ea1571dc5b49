/*
 * One YAML document from a buffer, within limits (see yamldoc.h).
 *
 * The composer follows libyaml's own (loader.c): a node is added to the
 * document when its first event arrives, so node ids come in the order of
 * the text, and its marks are those of its events.  Where the loader
 * resolves aliases by a linear search of the anchors seen so far, this one
 * refuses both, as the mapping format does.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "yamldoc.h"

/* An open collection: its node, and for a mapping the key waiting for its
 * value (0: none). */
struct level {
	int node;
	int key;
};

struct composer {
	yaml_parser_t parser;
	yaml_document_t *doc;
	struct dsmap__yaml_error *err;
	struct level stack[DSMAP__YAML_DEPTH_MAX];
	int depth;
	size_t nodes;
};

static int problem(struct composer *c, yaml_mark_t at, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
static int problem(struct composer *c, yaml_mark_t at, const char *fmt, ...)
{
	va_list ap;

	c->err->line = (unsigned int)at.line + 1;
	c->err->column = (unsigned int)at.column + 1;
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	return DSMAP_EINVALID;
}

/* The next event, or a syntax problem. */
static int next(struct composer *c, yaml_event_t *ev)
{
	const char *ctxt;

	if (yaml_parser_parse(&c->parser, ev))
		return 0;
	if (c->parser.error == YAML_MEMORY_ERROR)
		return dsmap_error__oom();
	ctxt = c->parser.context;
	return problem(c, c->parser.problem_mark, "YAML syntax: %s%s%s",
	               c->parser.problem ? c->parser.problem : "unknown error",
	               ctxt ? " " : "", ctxt ? ctxt : "");
}

/* libyaml's loader reads no tag and "!" alike: the default tag. */
static yaml_char_t *tag_of(yaml_char_t *tag)
{
	return tag == NULL || strcmp((const char *)tag, "!") == 0 ? NULL : tag;
}

/* Node `id` was just added for event `ev`: give it the event's marks and a
 * place in its parent. */
static int place(struct composer *c, int id, const yaml_event_t *ev)
{
	yaml_node_t *n;
	struct level *top;

	if (id == 0)
		return dsmap_error__oom();   /* the value is UTF-8: the parser checked it */
	n = yaml_document_get_node(c->doc, id);
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	c->nodes++;
	if (c->depth == 0)
		return 0;   /* the root */
	top = &c->stack[c->depth - 1];
	if (yaml_document_get_node(c->doc, top->node)->type == YAML_SEQUENCE_NODE)
		return yaml_document_append_sequence_item(c->doc, top->node, id) ? 0 :
		       dsmap_error__oom();
	if (top->key == 0) {
		top->key = id;
		return 0;
	}
	if (!yaml_document_append_mapping_pair(c->doc, top->node, top->key, id))
		return dsmap_error__oom();
	top->key = 0;
	return 0;
}

/* The nodes of one document, from the event after DOCUMENT-START to
 * DOCUMENT-END. */
static int compose(struct composer *c)
{
	yaml_event_t ev;
	int rc = 0, id;

	for (;;) {
		if ((rc = next(c, &ev)) < 0)
			return rc;
		switch (ev.type) {
		case YAML_DOCUMENT_END_EVENT:
			c->doc->end_implicit = ev.data.document_end.implicit;
			c->doc->end_mark = ev.end_mark;
			yaml_event_delete(&ev);
			return 0;
		case YAML_ALIAS_EVENT:
			rc = problem(c, ev.start_mark, "anchors and aliases are not used in mapping "
			             "files; write the value out where it is used");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if ((ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor :
			     ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor :
			     ev.data.mapping_start.anchor) != NULL) {
				rc = problem(c, ev.start_mark, "anchors and aliases are not used in "
				             "mapping files; write the value out where it is used");
				break;
			}
			if (c->nodes >= DSMAP__YAML_NODES_MAX) {
				rc = problem(c, ev.start_mark, "more than %d YAML nodes (values, lists "
				             "and mappings) in one file; split it", DSMAP__YAML_NODES_MAX);
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				id = yaml_document_add_scalar(c->doc, tag_of(ev.data.scalar.tag),
				                              ev.data.scalar.value,
				                              (int)ev.data.scalar.length,
				                              ev.data.scalar.style);
				rc = place(c, id, &ev);
				break;
			}
			if (c->depth == DSMAP__YAML_DEPTH_MAX) {
				rc = problem(c, ev.start_mark, "lists and mappings nested more than %d "
				             "deep; a mapping file needs a handful of levels",
				             DSMAP__YAML_DEPTH_MAX);
				break;
			}
			id = ev.type == YAML_SEQUENCE_START_EVENT ?
			     yaml_document_add_sequence(c->doc, tag_of(ev.data.sequence_start.tag),
			                                ev.data.sequence_start.style) :
			     yaml_document_add_mapping(c->doc, tag_of(ev.data.mapping_start.tag),
			                               ev.data.mapping_start.style);
			if ((rc = place(c, id, &ev)) == 0) {
				c->stack[c->depth].node = id;
				c->stack[c->depth].key = 0;
				c->depth++;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			/* the parser pairs them with their start events */
			if (c->depth == 0) {
				rc = problem(c, ev.start_mark, "YAML: the end of a collection never opened");
				break;
			}
			c->depth--;
			yaml_document_get_node(c->doc, c->stack[c->depth].node)->end_mark = ev.end_mark;
			break;
		default:
			rc = problem(c, ev.start_mark, "YAML: unexpected event %d", (int)ev.type);
			break;
		}
		yaml_event_delete(&ev);
		if (rc < 0)
			return rc;
	}
}

int dsmap__yaml_load(yaml_document_t *doc, const char *data, size_t len,
                     struct dsmap__yaml_error *err)
{
	struct composer c;
	yaml_event_t ev;
	yaml_mark_t start;
	int rc, have_doc = 0;

	memset(doc, 0, sizeof(*doc));
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.err = err;
	if (!yaml_parser_initialize(&c.parser))
		return dsmap_error__oom();
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&c.parser, YAML_UTF8_ENCODING);

	if ((rc = next(&c, &ev)) < 0)        /* STREAM-START */
		goto done;
	yaml_event_delete(&ev);
	if ((rc = next(&c, &ev)) < 0)
		goto done;
	if (ev.type == YAML_STREAM_END_EVENT) {
		/* an empty stream: a document without nodes, as the loader gives */
		rc = yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1) ? 0 : dsmap_error__oom();
		have_doc = rc == 0;
		yaml_event_delete(&ev);
		goto done;
	}
	/* DOCUMENT-START; its directives are the parser's business */
	start = ev.start_mark;
	rc = yaml_document_initialize(doc, NULL, NULL, NULL,
	                              ev.data.document_start.implicit, 1) ? 0 : dsmap_error__oom();
	yaml_event_delete(&ev);
	if (rc < 0)
		goto done;
	have_doc = 1;
	doc->start_mark = start;
	if ((rc = compose(&c)) < 0)
		goto done;

	/* One document per file: name where a second one starts. */
	if ((rc = next(&c, &ev)) < 0)
		goto done;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		yaml_event_delete(&ev);
		if ((rc = next(&c, &ev)) < 0)
			goto done;
		rc = problem(&c, ev.start_mark,
		             "a mapping file holds one YAML document; this is a second one");
	}
	yaml_event_delete(&ev);
done:
	yaml_parser_delete(&c.parser);
	if (rc < 0 && have_doc) {
		yaml_document_delete(doc);
		memset(doc, 0, sizeof(*doc));
	}
	return rc;
}
