/*
 * Unit tests: the register's CSV fields (RFC 4180) and HTML escaping, the
 * two encoders every cell of `dsmap ropa --format csv|html` goes through.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ropa.h"

static void expect_csv(const char *in, int last, const char *want)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };

	dsmap__csv_field(&o, in, last);
	assert_false(o.oom);
	assert_string_equal(o.buf, want);
	free(o.buf);
}

static void test_ropa__csv_plain_fields_stay_bare(void **state)
{
	(void)state;
	expect_csv("billing-accounting", 0, "billing-accounting,");
	expect_csv("6.3.2.1", 1, "6.3.2.1\r\n");
	expect_csv("", 0, ",");
	expect_csv("Données « à » ; l'été", 0, "Données « à » ; l'été,");
	expect_csv("a b", 0, "a b,");
}

static void test_ropa__csv_quotes_what_rfc4180_says(void **state)
{
	(void)state;
	expect_csv("a,b", 0, "\"a,b\",");
	expect_csv("say \"hi\"", 1, "\"say \"\"hi\"\"\"\r\n");
	expect_csv("\"", 0, "\"\"\"\",");
	expect_csv("one\ntwo", 0, "\"one\ntwo\",");
	expect_csv("cr\rlf", 0, "\"cr\rlf\",");
	expect_csv(" lead", 0, "\" lead\",");
	expect_csv("trail ", 1, "\"trail \"\r\n");
}

static void expect_html(const char *in, int breaks, const char *want)
{
	struct dsmap__out o = { NULL, 0, 0, 0 };

	dsmap__html_text(&o, in, breaks);
	assert_false(o.oom);
	assert_string_equal(o.buf ? o.buf : "", want);
	free(o.buf);
}

static void test_ropa__html_escapes_every_markup_character(void **state)
{
	(void)state;
	expect_html("<script>alert(\"x\")</script>", 0,
	            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	expect_html("Ads & Data's", 0, "Ads &amp; Data&#39;s");
	expect_html("a\nb", 1, "a<br>\nb");
	expect_html("a\nb", 0, "a b");
	expect_html("é « »", 0, "é « »");
	expect_html("", 0, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ropa__csv_plain_fields_stay_bare),
		cmocka_unit_test(test_ropa__csv_quotes_what_rfc4180_says),
		cmocka_unit_test(test_ropa__html_escapes_every_markup_character),
	};

	return cmocka_run_group_tests_name("ropa", tests, NULL, NULL);
}
