/*
 * Unit tests: the store schema's encoders and decoders (core/schema.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "schema.h"

static void test_schema__byte_order(void **state)
{
	unsigned char b[8];

	(void)state;
	dsmap__put_be32(b, 0x01020304u);
	assert_memory_equal(b, "\x01\x02\x03\x04", 4);
	assert_int_equal(dsmap__get_be32(b), 0x01020304u);
	dsmap__put_be64(b, 0x0102030405060708ull);
	assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_true(dsmap__get_be64(b) == 0x0102030405060708ull);
}

static void test_schema__meta_keys(void **state)
{
	char key[DSMAP__META_KEY_MAX], big[600];

	(void)state;
	assert_int_equal(dsmap__meta_key(key, sizeof(key), DSMAP__META_CONFLICTS, "crm"), 0);
	assert_string_equal(key, "conflicts:crm");
	assert_int_equal(dsmap__meta_key(key, sizeof(key), DSMAP__META_IDENT_RULES, "crm"), 0);
	assert_string_equal(key, "ident-rules:crm");
	assert_int_equal(dsmap__meta_key(key, sizeof(key), DSMAP__META_KINDBIT, "customer"), 0);
	assert_string_equal(key, "kindbit:customer");
	assert_string_equal(dsmap__meta_counter(DSMAP__META_BRANDBIT), "brandbit-next");
	assert_null(dsmap__meta_counter(DSMAP__META_CONFLICTS));
	/* a key LMDB would refuse is refused here, with the family named */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dsmap__meta_key(key, sizeof(key), DSMAP__META_CONFLICTS, big),
	                 DSMAP_EINVALID);
	assert_true(th_error_contains("conflicts:"));
	assert_int_equal(dsmap__meta_key(key, 8, DSMAP__META_CONFLICTS, "crm"), DSMAP_EINVALID);
}

static void test_schema__gen_names(void **state)
{
	char name[DSMAP__GEN_NAME_SIZE];
	enum dsmap__gen_type type;
	uint32_t gen;

	(void)state;
	dsmap__gen_name(name, DSMAP__GEN_HOLDINGS, 0x2a);
	assert_string_equal(name, "h.0000002a");
	assert_int_equal(dsmap__gen_name_parse(name, strlen(name), &type, &gen), 1);
	assert_int_equal(type, DSMAP__GEN_HOLDINGS);
	assert_int_equal(gen, 0x2a);
	dsmap__gen_name(name, DSMAP__GEN_ALIASES, 0xffffffffu);
	assert_int_equal(dsmap__gen_name_parse(name, strlen(name), &type, &gen), 1);
	assert_int_equal(type, DSMAP__GEN_ALIASES);
	assert_true(gen == 0xffffffffu);
	/* the fixed databases and near misses are not generations */
	assert_int_equal(dsmap__gen_name_parse("systems", 7, &type, &gen), 0);
	assert_int_equal(dsmap__gen_name_parse("h.0000002A", 10, &type, &gen), 0);
	assert_int_equal(dsmap__gen_name_parse("x.0000002a", 10, &type, &gen), 0);
	assert_int_equal(dsmap__gen_name_parse("h.000002a", 9, &type, &gen), 0);
	assert_int_equal(dsmap__gen_name_parse("h-0000002a", 10, &type, &gen), 0);
}

static void test_schema__system_round_trip(void **state)
{
	dsmap_store__cat_count cats[2] = { { 3, 10, 20 }, { 7, 1, 1 } };
	dsmap_store__system_summary in, out;
	unsigned char buf[512];
	uint32_t sysno, gen;
	size_t n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.sysno = 5;
	in.gen = 42;
	in.last_scan = 1700000000;
	in.records = 100;
	in.subjects = 60;
	in.rejected = 2;
	in.invalid = 1;
	in.first_seen = -5;
	in.last_seen = 1699999999;
	memcpy(in.commit, "0123456789abcdef0123456789abcdef01234567", 41);
	in.retired = 0;
	in.failed_at = 1700000100;
	snprintf(in.failure, sizeof(in.failure), "the plugin exited with status 3");
	in.category_count = 2;
	in.categories = cats;
	n = dsmap__system_size(&in);
	assert_int_equal(n, DSMAP__SYSTEM_FIXED + 2 * DSMAP__SYSTEM_CAT + DSMAP__SYSTEM_TAIL +
	                 strlen(in.failure) + DSMAP__SUM_SIZE);
	assert_true(n <= sizeof(buf));
	dsmap__system_encode(buf, "crm", 3, &in);
	assert_int_equal(buf[0], DSMAP__SYSTEM_VERSION);
	assert_int_equal(dsmap__system_decode(&out, "crm", 3, buf, n), 0);
	assert_int_equal(out.sysno, 5);
	assert_int_equal(out.gen, 42);
	assert_true(out.first_seen == -5);
	assert_string_equal(out.commit, in.commit);
	assert_string_equal(out.failure, in.failure);
	assert_int_equal(out.category_count, 2);
	assert_int_equal(out.categories[1].catbit, 7);
	assert_true(out.categories[0].records == 20);
	free(out.categories);
	assert_int_equal(dsmap__system_peek(buf, n, &sysno, &gen), 0);
	assert_int_equal(sysno, 5);
	assert_int_equal(gen, 42);

	/* every truncation, and a byte too many, is refused */
	for (size_t cut = 0; cut < n; cut++) {
		assert_int_equal(dsmap__system_decode(&out, "crm", 3, buf, cut), DSMAP_ECORRUPT);
		assert_null(out.categories);
	}
	assert_int_equal(dsmap__system_decode(&out, "crm", 3, buf, n + 1), DSMAP_ECORRUPT);
	/* any one bit flipped, in the record or in its key, is seen */
	for (size_t bit = 8; bit < 8 * n; bit += 7) {
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
		if (dsmap__system_decode(&out, "crm", 3, buf, n) != DSMAP_ECORRUPT)
			fail_msg("bit %zu flipped and the record still decodes", bit);
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
	}
	assert_int_equal(dsmap__system_decode(&out, "crn", 3, buf, n), DSMAP_ECORRUPT);
	assert_true(th_error_contains("the record of system crn does not match its checksum"));
	/* a category count that overruns the record */
	buf[DSMAP__SYSTEM_FIXED - 2] = 0xff;
	assert_int_equal(dsmap__system_decode(&out, "crm", 3, buf, n), DSMAP_ECORRUPT);
	assert_true(th_error_contains("not one this dsmap wrote"));
	buf[DSMAP__SYSTEM_FIXED - 2] = 0;
	/* a version never written */
	buf[0] = 9;
	assert_int_equal(dsmap__system_peek(buf, n, &sysno, &gen), DSMAP_ECORRUPT);
}

static void test_schema__system_older_versions(void **state)
{
	dsmap_store__system_summary in, out;
	unsigned char buf[256];
	size_t n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.sysno = 1;
	in.gen = 2;
	in.retired = 77;
	snprintf(in.failure, sizeof(in.failure), "x");
	dsmap__system_encode(buf, "crm", 3, &in);
	/* version 3 (schema 2) is version 4 without the checksum */
	buf[0] = 3;
	n = dsmap__system_size(&in) - DSMAP__SUM_SIZE;
	assert_int_equal(dsmap__system_decode(&out, "any", 3, buf, n), 0);
	assert_true(out.retired == 77);
	assert_string_equal(out.failure, "x");
	free(out.categories);
	/* version 2 is version 3 without the tail */
	buf[0] = 2;
	n = DSMAP__SYSTEM_FIXED;
	assert_int_equal(dsmap__system_decode(&out, "any", 3, buf, n), 0);
	assert_int_equal(out.gen, 2);
	assert_string_equal(out.failure, "");
	assert_true(out.retired == 0 && out.failed_at == 0);
	free(out.categories);
}

static void test_schema__rev(void **state)
{
	struct dsmap__rev in = { 1700000000, 1690000000, 120, 340 }, out;
	unsigned char buf[DSMAP__REV_SIZE + 1], oid[DSMAP__OID_SIZE];

	(void)state;
	memset(oid, 0x5a, sizeof(oid));
	dsmap__rev_encode(buf, oid, &in);
	assert_int_equal(dsmap__rev_decode(&out, oid, buf, DSMAP__REV_SIZE), 0);
	assert_true(out.synced_at == in.synced_at && out.commit_time == in.commit_time);
	assert_int_equal(out.nodes, 120);
	assert_int_equal(out.edges, 340);
	assert_int_equal(dsmap__rev_decode(&out, oid, buf, DSMAP__REV_SIZE - 1), DSMAP_ECORRUPT);
	/* a record under another commit's key */
	oid[19] ^= 1;
	assert_int_equal(dsmap__rev_decode(&out, oid, buf, DSMAP__REV_SIZE), DSMAP_ECORRUPT);
	assert_true(th_error_contains("checksum"));
	/* version 1 (schema 2): no checksum */
	buf[0] = 1;
	assert_int_equal(dsmap__rev_decode(&out, oid, buf, DSMAP__REV_SIZE_V1), 0);
	assert_int_equal(out.edges, 340);
	buf[0] = 7;
	assert_int_equal(dsmap__rev_decode(&out, oid, buf, DSMAP__REV_SIZE), DSMAP_ECORRUPT);
}

static void test_schema__graph_keys(void **state)
{
	unsigned char oid[DSMAP__OID_SIZE], key[DSMAP__KEY_MAX];
	struct dsmap__graph_key gk;
	char long_id[DSMAP__KEY_MAX];
	size_t n;

	(void)state;
	memset(oid, 0xab, sizeof(oid));
	n = dsmap__graph_node_key(key, oid, DSMAP__NODE_PURPOSE, "billing", 7);
	assert_int_equal(n, DSMAP__OID_SIZE + 1 + 7);
	assert_int_equal(dsmap__graph_key_decode(&gk, key, n, DSMAP__NODE_HASH_SIZE), 0);
	assert_int_equal(gk.type, DSMAP__NODE_PURPOSE);
	assert_int_equal(gk.fromlen, 7);
	assert_memory_equal(gk.from, "billing", 7);
	assert_null(gk.to);
	/* a node's value is a hash */
	assert_int_equal(dsmap__graph_key_decode(&gk, key, n, 0), DSMAP_ECORRUPT);

	n = dsmap__graph_edge_key(key, oid, DSMAP__EDGE_USED_BY, "collected/iban", 14,
	                          "billing", 7);
	assert_int_equal(dsmap__graph_key_decode(&gk, key, n, 0), 0);
	assert_int_equal(gk.type, DSMAP__EDGE_USED_BY);
	assert_memory_equal(gk.from, "collected/iban", 14);
	assert_int_equal(gk.tolen, 7);
	assert_memory_equal(gk.to, "billing", 7);
	/* the prefix of every edge from one node ends with its NUL */
	assert_int_equal(dsmap__graph_edge_key(key, oid, DSMAP__EDGE_USED_BY, "collected/iban",
	                                       14, NULL, 0), DSMAP__OID_SIZE + 1 + 14 + 1);
	assert_int_equal(key[DSMAP__OID_SIZE + 15], '\0');
	/* an edge without a far end, an unknown type, a short key */
	assert_int_equal(dsmap__graph_key_decode(&gk, key, DSMAP__OID_SIZE + 16, 0),
	                 DSMAP_ECORRUPT);
	key[DSMAP__OID_SIZE] = 'Z';
	assert_int_equal(dsmap__graph_key_decode(&gk, key, n, 0), DSMAP_ECORRUPT);
	assert_true(th_error_contains("type 'Z'"));
	assert_int_equal(dsmap__graph_key_decode(&gk, key, DSMAP__OID_SIZE, 0), DSMAP_ECORRUPT);
	/* ids too long for an LMDB key are refused when the key is built */
	memset(long_id, 'x', sizeof(long_id));
	assert_int_equal(dsmap__graph_node_key(key, oid, DSMAP__NODE_PURPOSE, long_id,
	                                       sizeof(long_id)), 0);
	assert_int_equal(dsmap__graph_node_key(key, oid, DSMAP__NODE_PURPOSE, "", 0), 0);
	assert_true(dsmap__graph_type_is_node(DSMAP__NODE_SYSTEM));
	assert_false(dsmap__graph_type_is_node(DSMAP__EDGE_SERVED_BY));
	assert_true(dsmap__graph_type_is_edge(DSMAP__EDGE_DECLARED_BY));
	assert_false(dsmap__graph_type_is_edge('x'));
}

static void test_schema__nodes_check_themselves(void **state)
{
	static const char json[] = "{\"id\":\"billing\"}";
	unsigned char hash[DSMAP__NODE_HASH_SIZE], *v = NULL;
	const char *text;
	size_t n;

	(void)state;
	assert_int_equal(dsmap__node_encode(&v, &n, hash, json, strlen(json)), 0);
	assert_int_equal(n, strlen(json) + 2);
	assert_int_equal(dsmap__node_check(&text, v, n, hash), 0);
	assert_string_equal(text, json);
	/* one flipped byte of content no longer hashes to the key */
	v[5] ^= 0x20;
	assert_int_equal(dsmap__node_check(&text, v, n, NULL), 0);
	assert_int_equal(dsmap__node_check(&text, v, n, hash), DSMAP_ECORRUPT);
	assert_true(th_error_contains("does not hash to its key"));
	v[5] ^= 0x20;
	/* a lost NUL, an inner NUL, a version never written */
	assert_int_equal(dsmap__node_check(&text, v, n - 1, NULL), DSMAP_ECORRUPT);
	v[3] = '\0';
	assert_int_equal(dsmap__node_check(&text, v, n, NULL), DSMAP_ECORRUPT);
	v[0] = 2;
	assert_int_equal(dsmap__node_check(&text, v, n, NULL), DSMAP_ECORRUPT);
	assert_null(text);
	free(v);
}

static void test_schema__catbits(void **state)
{
	unsigned char b[DSMAP__CATBIT_SIZE];
	uint32_t bit;

	(void)state;
	dsmap__catbit_encode(b, 77);
	assert_int_equal(dsmap__catbit_decode(&bit, b, sizeof(b)), 0);
	assert_int_equal(bit, 77);
	assert_int_equal(dsmap__catbit_decode(&bit, b, 3), DSMAP_ECORRUPT);
}

static void test_schema__holdings(void **state)
{
	unsigned char ids[2 * DSMAP__ID_SIZE], bitmap[3] = { 0x05, 0x00, 0x80 };
	unsigned char buf[DSMAP__HOLDING_MAX_SIZE(3)], key[DSMAP_IDENT_HASH_SIZE];
	struct dsmap__holding in, out;
	size_t n, cut, bit;

	(void)state;
	memset(key, 0x42, sizeof(key));
	memset(&in, 0, sizeof(in));
	memset(ids, 0x11, sizeof(ids));
	ids[0] = 2;
	ids[DSMAP__ID_SIZE] = 3;
	in.kind = 1;
	in.records = 4;
	in.first = 100;
	in.last = 200;
	in.bitmap = bitmap;
	in.bitmap_size = sizeof(bitmap);
	in.ids = ids;
	in.id_count = 2;
	in.loc_count = 2;
	in.locs[0] = "row 12";
	in.loc_lens[0] = 6;
	in.locs[1] = "";
	in.loc_lens[1] = 0;

	/* without facet masks: version 3, 8 bytes shorter */
	n = dsmap__holding_encode(buf, key, &in);
	assert_int_equal(buf[0], 3);
	assert_int_equal(n, DSMAP__HOLDING_FIXED_V1 + 3 + 2 * DSMAP__ID_SIZE + 2 + 6 + 2 +
	                 DSMAP__SUM_SIZE);
	assert_true(dsmap__holding_summed(buf, n));
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n), 0);
	assert_int_equal(out.kinds, 0);
	assert_int_equal(out.records, 4);
	assert_int_equal(out.loc_count, 2);
	assert_memory_equal(out.locs[0], "row 12", 6);
	assert_memory_equal(out.bitmap, bitmap, 3);

	in.kinds = 0x2;
	in.brands = 0x8;
	n = dsmap__holding_encode(buf, key, &in);
	assert_int_equal(buf[0], DSMAP__HOLDING_VERSION);
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n), 0);
	assert_int_equal(out.kinds, 0x2);
	assert_int_equal(out.brands, 0x8);
	assert_int_equal(out.id_count, 2);
	assert_int_equal(out.ids[DSMAP__ID_SIZE], 3);
	for (cut = 0; cut < n; cut++)
		assert_int_equal(dsmap__holding_decode(&out, key, buf, cut), DSMAP_ECORRUPT);
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n + 1), DSMAP_ECORRUPT);
	/* any one bit flipped in the value, or a holding read under another
	 * subject's key, is seen */
	for (bit = 0; bit < 8 * n; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
		if (dsmap__holding_decode(&out, key, buf, n) != DSMAP_ECORRUPT)
			fail_msg("bit %zu flipped and the holding still decodes", bit);
		buf[bit / 8] ^= (unsigned char)(1u << bit % 8);
	}
	key[15] ^= 1;
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n), DSMAP_ECORRUPT);
	assert_true(th_error_contains("does not match its checksum"));
	key[15] ^= 1;
	/* schema 2's versions (1 and 2) carry no checksum and are read as they are */
	buf[0] = 2;
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n - DSMAP__SUM_SIZE), 0);
	assert_false(dsmap__holding_summed(buf, n - DSMAP__SUM_SIZE));
	assert_int_equal(out.brands, 0x8);
	/* counts past the bounds */
	buf[22] = DSMAP__HOLDING_MAX_IDS + 1;
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n - DSMAP__SUM_SIZE), DSMAP_ECORRUPT);
	buf[22] = 2;
	buf[23] = DSMAP__HOLDING_MAX_LOCS + 1;
	assert_int_equal(dsmap__holding_decode(&out, key, buf, n - DSMAP__SUM_SIZE), DSMAP_ECORRUPT);
}

static void test_schema__index_values(void **state)
{
	uint32_t v = dsmap__idx_value(DSMAP__IDX_SYSNO_MAX, DSMAP__IDX_SUBJECT | DSMAP__IDX_ALIAS);

	(void)state;
	assert_int_equal(dsmap__idx_sysno(v), DSMAP__IDX_SYSNO_MAX);
	assert_int_equal(dsmap__idx_roles(v), 3);
	/* values sort by system number, as unsigned big-endian integers */
	assert_true(dsmap__idx_value(2, DSMAP__IDX_ALIAS) < dsmap__idx_value(3, DSMAP__IDX_SUBJECT));
}

static void test_schema__hist_months(void **state)
{
	(void)state;
	assert_int_equal(dsmap__hist_month_of(0), 0);                     /* 1970-01 */
	assert_int_equal(dsmap__hist_month_of(INT64_C(1767225599)), 671); /* 2025-12-31T23:59:59Z */
	assert_int_equal(dsmap__hist_month_of(INT64_C(1767225600)), 672); /* 2026-01-01 */
	assert_int_equal(dsmap__hist_month_of(INT64_C(951782400)), 361);  /* 2000-02-29 */
	assert_int_equal(dsmap__hist_month_of(-1), -1);                   /* 1969-12 */
	assert_int_equal(dsmap__hist_month_of(INT64_MIN), DSMAP__HIST_MONTH_MIN);
	assert_int_equal(dsmap__hist_month_of(INT64_MAX), DSMAP__HIST_MONTH_MAX);
}

static void test_schema__hist_round_trip(void **state)
{
	struct dsmap__hist_month months[] = {
		{ -3, 2, 1 }, { 0, 1, 0 }, { 672, 5, 3 },
	};
	struct dsmap__hist h = { 5, 1767225600, 7, 2, 3, months }, back;
	unsigned char key[DSMAP__HIST_KEY_SIZE], other[DSMAP__HIST_KEY_SIZE], buf[256];
	size_t n = dsmap__hist_size(&h), i;

	(void)state;
	dsmap__hist_key(key, 3, 9);
	dsmap__hist_key(other, 3, 10);
	assert_int_equal(n, DSMAP__HIST_FIXED + 3 * DSMAP__HIST_MONTH + DSMAP__SUM_SIZE);
	assert_true(n <= sizeof(buf));
	dsmap__hist_encode(buf, key, &h);
	assert_int_equal(dsmap__hist_decode(&back, key, buf, n), 0);
	assert_int_equal(back.oldest, 5);
	assert_int_equal(back.newest, 1767225600);
	assert_int_equal(back.undated_records, 7);
	assert_int_equal(back.undated_subjects, 2);
	assert_int_equal(back.month_count, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(back.months[i].month, months[i].month);
		assert_int_equal(back.months[i].records, months[i].records);
		assert_int_equal(back.months[i].subjects, months[i].subjects);
	}
	free(back.months);

	/* under another key, the checksum does not match */
	assert_int_equal(dsmap__hist_decode(&back, other, buf, n), DSMAP_ECORRUPT);
	free(back.months);
	/* every single flipped byte is refused */
	for (i = 0; i < n; i++) {
		buf[i] ^= 0x40;
		assert_int_equal(dsmap__hist_decode(&back, key, buf, n), DSMAP_ECORRUPT);
		free(back.months);
		buf[i] ^= 0x40;
	}
	/* and every truncation */
	for (i = 0; i < n; i++) {
		assert_int_equal(dsmap__hist_decode(&back, key, buf, i), DSMAP_ECORRUPT);
		free(back.months);
	}
	/* months out of order are refused even under a good checksum */
	months[1].month = -3;
	dsmap__hist_encode(buf, key, &h);
	assert_int_equal(dsmap__hist_decode(&back, key, buf, n), DSMAP_ECORRUPT);
	free(back.months);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema__byte_order),
		cmocka_unit_test(test_schema__meta_keys),
		cmocka_unit_test(test_schema__gen_names),
		cmocka_unit_test(test_schema__system_round_trip),
		cmocka_unit_test(test_schema__system_older_versions),
		cmocka_unit_test(test_schema__rev),
		cmocka_unit_test(test_schema__graph_keys),
		cmocka_unit_test(test_schema__nodes_check_themselves),
		cmocka_unit_test(test_schema__catbits),
		cmocka_unit_test(test_schema__holdings),
		cmocka_unit_test(test_schema__index_values),
		cmocka_unit_test(test_schema__hist_months),
		cmocka_unit_test(test_schema__hist_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
