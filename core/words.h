/*
 * Internal: periods and counts in words, in English and French, for the
 * renderers (lineage, locate, ls).  No ISO 8601 code ever reaches a reader:
 * "P10Y" + end-of-contract is "10 years after the end of the contract" /
 * "10 ans après la fin du contrat".
 *
 * Every function writes into the caller's buffer, cuts what does not fit
 * (the result stays NUL-terminated) and returns the buffer.  `lang` is "en"
 * or "fr"; anything else (NULL too) is English.
 */
#ifndef DSMAP_CORE_WORDS_H
#define DSMAP_CORE_WORDS_H

#include <stddef.h>

/* A retention period in words.
 *  - `iso`: an ISO 8601 duration (P1M, P2Y6M, P0D, PT24H...), or NULL when
 *    the notice gives no period;
 *  - `trigger`: the mapping's trigger id (docs/mapping-format.md, 7.2), or
 *    NULL.  An unknown id is written as its words ("end-of-foo": "the end
 *    of foo").
 * P0D with a trigger reads "until ..." ("until the end of the contractual
 * relationship"); NULL reads "no period given" ("; counted from ..." with a
 * trigger).  A duration that is not ISO 8601 reads "an unreadable period". */
const char *dsmap__duration_words(char *buf, size_t size, const char *iso, const char *trigger,
                                  const char *lang);

/* The same for a range, `min` to `iso` ("6 to 9 months from the
 * communication"); `min` NULL is dsmap__duration_words(). */
const char *dsmap__duration_range_words(char *buf, size_t size, const char *min, const char *iso,
                                        const char *trigger, const char *lang);

/* The event `trigger` (a trigger id) as a noun phrase: "the end of the
 * contract" / (after "de") "la fin du contrat". */
const char *dsmap__trigger_words(char *buf, size_t size, const char *trigger, const char *lang);

/* `one` when n is 1, else `many` (English rule). */
const char *dsmap__plural(size_t n, const char *one, const char *many);

/* `one` when n is 0 or 1, else `many` (French rule). */
const char *dsmap__plural_fr(size_t n, const char *one, const char *many);

/* "N thing(s)": the count and the noun `noun` in `lang`.  `noun` is one of
 * "subject", "subject-kind", "system", "category", "purpose", "recipient",
 * "record", "revision", "change", "error", "warning", "source", "day",
 * "month", "year"; any other noun is written as given, with an "s" for the
 * plural. */
const char *dsmap__count_words(char *buf, size_t size, size_t n, const char *noun,
                               const char *lang);

#endif
