/*
 * examples/locate.c: what a DSAR tool does with libdsmap.
 *
 * Opens the workspace in the current directory (or $DSMAP_DIR, or the
 * directory given with -C), asks where the data of the person with the
 * identifiers on the command line is held, and prints the art. 15 answer
 * as JSON.  The same answer as `dsmap locate --format json`.
 *
 *     cc -o locate locate.c $(pkg-config --cflags --libs dsmap)
 *     ./locate email:someone@example.com customer:C00000042
 *
 * Exit status: 0 found, 3 held nowhere, 2 a bad identifier, 1 an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dsmap.h>

int main(int argc, char **argv)
{
	const char *dir = getenv("DSMAP_DIR");
	dsmap_workspace *ws = NULL;
	char *answer = NULL;
	int first = 1, rc;

	if (argc > 2 && strcmp(argv[1], "-C") == 0) {
		dir = argv[2];
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: locate [-C DIR] KIND:VALUE...\n");
		return 2;
	}
	rc = dir ? dsmap_workspace_open(&ws, dir) : dsmap_workspace_discover(&ws, ".");
	if (rc < 0) {
		fprintf(stderr, "locate: %s\n", dsmap_error_last()->message);
		return 1;
	}
	rc = dsmap_locate(&answer, ws, (const char *const *)argv + first, (size_t)(argc - first),
	                  DSMAP_FORMAT_JSON);
	if (answer != NULL)
		fputs(answer, stdout);
	if (rc < 0 && rc != DSMAP_ENOTFOUND)
		fprintf(stderr, "locate: %s\n", dsmap_error_last()->message);
	dsmap_free(answer);
	dsmap_workspace_free(ws);
	return rc == 0 ? 0 : rc == DSMAP_ENOTFOUND ? 3 : rc == DSMAP_EINVALID ? 2 : 1;
}
