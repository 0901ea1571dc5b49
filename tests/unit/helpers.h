/*
 * Helpers shared by the unit tests.
 */
#ifndef DSMAP_TESTS_HELPERS_H
#define DSMAP_TESTS_HELPERS_H

#include <stddef.h>

/* A new empty directory under $TMPDIR (or /tmp), newly allocated. */
char *th_tmpdir(void);

/* Remove a directory tree made by th_tmpdir() and free its name. */
void th_rmtree(char *dir);

/* "a/b", newly allocated. */
char *th_path(const char *a, const char *b);

/* Write a file (creating or replacing it). */
void th_write_file(const char *path, const char *content);

/* Does the last error's message contain `needle`?  Prints it when not. */
int th_error_contains(const char *needle);

#endif
