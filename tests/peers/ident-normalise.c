/*
 * ident-normalise: dsmap's identifier normalisation as a filter, for the
 * differential test against python-stdnum and phonenumbers
 * (tests/integration/ident-peers.sh, tests/peers/ident-peers.py).
 *
 * Reads lines "KIND<tab>VALUE" (KIND as dsmap_ident_kind_from_name() takes
 * it; VALUE up to the end of the line, tabs included) and writes one line
 * for each: "ok<tab>NORMAL FORM" or "invalid<tab>REASON".  Exits 0 when
 * every line was answered, 2 on a malformed line or an unknown kind, 1 on
 * another failure.  Only the public API.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dsmap.h>

int main(void)
{
	char out[DSMAP_IDENT_MAX + 1];
	char *line = NULL, *tab;
	size_t cap = 0, len;
	ssize_t n;
	unsigned long lineno = 0;
	int kind, rc, status = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		tab = memchr(line, '\t', len);
		if (tab == NULL ||
		    (kind = dsmap_ident_kind_from_name(line, (size_t)(tab - line))) == 0) {
			fprintf(stderr, "ident-normalise: line %lu: not KIND<tab>VALUE\n", lineno);
			status = 2;
			break;
		}
		tab++;
		rc = dsmap_ident_normalise(out, sizeof(out), NULL, kind, tab,
		                           len - (size_t)(tab - line));
		if (rc == 0)
			printf("ok\t%s\n", out);
		else if (rc == DSMAP_EINVALID)
			printf("invalid\t%s\n", dsmap_error_last()->message);
		else {
			fprintf(stderr, "ident-normalise: line %lu: %s\n", lineno,
			        dsmap_error_last()->message);
			status = 1;
			break;
		}
	}
	free(line);
	if (status == 0 && ferror(stdin)) {
		fprintf(stderr, "ident-normalise: cannot read the input\n");
		status = 1;
	}
	if (fclose(stdout) != 0 && status == 0) {
		fprintf(stderr, "ident-normalise: cannot write the output\n");
		status = 1;
	}
	return status;
}
