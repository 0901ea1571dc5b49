/*
 * Small questions asked of jansson values (see jsonutil.h).
 */
#include "config.h"

#include <string.h>

#include "jsonutil.h"

int dsmap__json_has(const json_t *a, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const char *e = json_string_value(json_array_get(a, i));

		if (e != NULL && strcmp(e, s) == 0)
			return 1;
	}
	return 0;
}

int dsmap__json_add_unique(json_t *a, const char *s)
{
	return dsmap__json_has(a, s) ? 0 : json_array_append_new(a, json_string(s));
}

const char *dsmap__json_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

json_t *dsmap__json_array_or_empty(const json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	return json_is_array(a) ? json_incref(a) : json_array();
}
