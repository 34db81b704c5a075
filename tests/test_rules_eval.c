/*
 * Native SpamAssassin eval: functions (src/filter/rules_eval.c): one row
 * per function and case (rule text, message, wanted value; -1 when the
 * rule must stay skipped), and SpamAssassin's lenient date reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filter/rules.h"
#include "filter/rules_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

#define RCVD(d) "Received: from a.example (a.example [192.0.2.1]) by " \
	"mx.example with ESMTP id 1; " d "\r\n"

/* Date 09 Sep 2001 01:46:40 UTC: Outlook stamp 01c138d1. */
static const char *m_date =
    RCVD("Sat, 08 Sep 2001 21:46:40 +0000")
    "Date: Sun, 09 Sep 2001 01:46:40 +0000\r\n"
    "Message-Id: <000001c138d1$00000000$00000000@pc>\r\n"
    "Subject: BUY CHEAP WATCHES NOW\r\n"
    "\r\nhello\r\n";

static const char *m_past =
    RCVD("Sun, 16 Sep 2001 01:46:40 +0000")
    "Date: Sun, 09 Sep 2001 03:46:40 +0200\r\n"
    "Message-Id: <000001c00000$00000000$00000000@pc>\r\n"
    "Subject: Re: Fwd: hello THERE\r\n"
    "\r\nhello\r\n";

/* A local hop and a fetchmail hop on top: both left out. */
static const char *m_fetch =
    "Received: from localhost (localhost [127.0.0.1]) by h.example\r\n"
    "\tfor <u@localhost>; Sun, 09 Sep 2001 01:46:40 +0000\r\n"
    "Received: from h [127.0.0.1] by localhost with IMAP "
    "(fetchmail-5.9.0)\r\n\tfor u@localhost; Sun, 09 Sep 2001 01:46:40 "
    "+0000\r\n"
    RCVD("Sat, 08 Sep 2001 01:00:00 +0000")
    "Date: Sun, 09 Sep 2001 01:46:40 GMT\r\n"
    "Subject: =?koi8-r?b?SEVMTE8gV09STEQ=?=\r\n"
    "\r\nhello\r\n";

static const char *m_html =
    "Subject: x\r\n"
    "Content-Type: text/html\r\n"
    "\r\n<html><head><title>t</title></head><body>\r\n"
    "<!-- <img src=x> --><p>Buy</p><img src=\"a.gif\">\r\n"
    "<script>var s = '<body>';</script></html>\r\n";

static const char *m_alt =
    "Subject: x\r\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
    "\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    "--b\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--b--\r\n";

static const char *m_plain = "Subject: hello world\r\n\r\nhello\r\n";

static const char *m_fm = "From: Ann <ann@Mail.Yahoo.co.uk>\r\n"
    "Reply-To: b@example.org, c@gmx.de\r\n\r\nhi\r\n";

/* Resent-From replaces From; an envelope-ish header still counts. */
static const char *m_fm_resent = "From: ann@gmx.de\r\n"
    "Resent-From: x@example.org\r\n\r\nhi\r\n";

static const char *m_fm_digit = "From: a@example.org\r\n"
    "Reply-To: jo@example.org, jo7@gmx.de\r\n\r\nhi\r\n";

static const char *m_fm_env = "Return-Path: <bob@gmx.de>\r\n"
    "From: bob@example.org\r\n"
    "Reply-To: \"x@gmx.de\" <y@example.org>\r\n\r\nhi\r\n";

#define FM	"freemail_domains gmx.* yahoo.co*.* ?.cn\n" \
	"freemail_welcomelist y@example.org\n"

struct row {
	const char	*rules;
	const char	**msg;
	double		 want;
};

static const struct row rows[] = {
	/* Date 4 hours after the only Received date. */
	{ "header A eval:check_for_shifted_date('3', '6')", &m_date, 1 },
	{ "header A eval:check_for_shifted_date('6', '12')", &m_date, 0 },
	{ "header A eval:check_for_shifted_date('-6', '-3')", &m_date, 0 },
	/* 01:46:40 +0200 is 7 days and 2 hours before the Received date. */
	{ "header A eval:check_for_shifted_date('undef', '-96')", &m_past, 1 },
	{ "header A eval:check_for_shifted_date('-6', '-3')", &m_past, 0 },
	/* Fetchmail hops (diff 0) left out: a day after the delivery. */
	{ "header A eval:check_for_shifted_date('24', '48')", &m_fetch, 1 },
	{ "header A eval:check_for_shifted_date('0', '3')", &m_fetch, 0 },
	{ "header A eval:check_for_shifted_date('0', '3')", &m_plain, 1 },
	/* Outlook time stamp matching the Date, then a forged one. */
	{ "header A eval:check_outlook_message_id()", &m_date, 0 },
	{ "header A eval:check_outlook_message_id()", &m_past, 1 },
	{ "header A eval:check_outlook_message_id()", &m_plain, 0 },
	/* Capitals; reply prefixes dropped; a CJK/Cyrillic charset punts. */
	{ "header A eval:subject_is_all_caps()", &m_date, 1 },
	{ "header A eval:subject_is_all_caps()", &m_past, 0 },
	{ "header A eval:subject_is_all_caps()", &m_fetch, 0 },
	{ "header A eval:subject_is_all_caps()", &m_plain, 0 },
	/* MIME and HTML. */
	{ "body A eval:check_for_mime_html_only()", &m_html, 1 },
	{ "body A eval:check_for_mime_html_only()", &m_alt, 0 },
	{ "body A eval:check_for_mime_html()", &m_alt, 1 },
	{ "body A eval:check_for_mime_html()", &m_plain, 0 },
	{ "body A eval:html_test('html')", &m_alt, 1 },
	{ "body A eval:html_test('html')", &m_plain, 0 },
	{ "body A eval:html_tag_exists('head')", &m_html, 1 },
	{ "body A eval:html_tag_exists('center')", &m_html, 0 },
	/* <body> without </body>; the one in the script is not markup. */
	{ "body A eval:html_tag_balance('body', '!= 0')", &m_html, 1 },
	{ "body A eval:html_tag_balance('body', '== 1')", &m_html, 1 },
	{ "body A eval:html_tag_balance('head', '!= 0')", &m_html, 0 },
	{ "body A eval:html_tag_balance('center', '== 0')", &m_html, 0 },
	/* 132 bytes of HTML with LF line ends, one image. */
	{ "body A eval:html_image_only('0000','0400')", &m_html, 1 },
	{ "body A eval:html_image_only('0000','0100')", &m_html, 0 },
	{ "body A eval:html_image_only('0000','0400')", &m_alt, 0 },
	/* Metas on native evals load. */
	{ "body B eval:html_test('html')\nbody C "
	    "eval:check_for_mime_html_only()\nmeta A B && C", &m_html, 1 },
	/* FreeMail: wildcards never cross a dot. */
	{ FM "header A eval:check_freemail_from()", &m_fm, 0 },
	{ FM "freemail_domains yahoo.*.*\nheader A "
	    "eval:check_freemail_from()", &m_fm, 0 },
	{ FM "freemail_domains *.yahoo.*.*\nheader A "
	    "eval:check_freemail_from()", &m_fm, 1 },
	{ FM "header A eval:check_freemail_header('Reply-To')", &m_fm, 1 },
	{ "header A eval:check_freemail_header('Reply-To')", &m_fm, 0 },
	{ FM "header A eval:check_freemail_from()", &m_fm_resent, 0 },
	{ FM "header A eval:check_freemail_from()", &m_fm_env, 1 },
	/* Only the address, not the display name, is read. */
	{ FM "header A eval:check_freemail_header('Reply-To')", &m_fm_env,
	    0 },
	{ "freemail_domains example.org\nfreemail_whitelist example.org\n"
	    "header A eval:check_freemail_from()", &m_fm_env, 0 },
	{ "freemail_domains example.org\n"
	    "header A eval:check_freemail_from()", &m_fm_env, 1 },
	/* :addr reads the first address only; a pattern on the address. */
	{ FM "header A eval:check_freemail_header('Reply-To:addr')", &m_fm,
	    0 },
	{ FM "header A eval:check_freemail_header('Reply-To:addr')",
	    &m_fm_digit, 0 },
	{ FM "header A eval:check_freemail_header('Reply-To', '\\d@')",
	    &m_fm_digit, 1 },
	{ FM "header A eval:check_freemail_header('Reply-To', '\\d@')",
	    &m_fm, 0 },
	{ FM "header A eval:check_freemail_header('Reply-To', '(')",
	    &m_fm, -1 },
	{ FM "header A eval:check_freemail_header('From')", &m_fm_resent,
	    1 },
	{ FM "header A eval:check_freemail_header('Resent-From')",
	    &m_fm_resent, 0 },
	{ FM "header A eval:check_freemail_header('ToCc')", &m_fm, -1 },
	{ FM "header A eval:check_freemail_header('From:name')", &m_fm, -1 },
	{ FM "header A eval:check_freemail_replyto('replyto')", &m_fm, -1 },
	{ FM "header A eval:check_freemail_header('EnvelopeFrom', '\\d@')",
	    &m_fm, -1 },
	/* Not native: skipped, never guessed. */
	{ "body A eval:html_test('font_low_contrast')", &m_html, -1 },
	{ "header A eval:check_rbl('x', 'zen.example.')", &m_date, -1 },
	{ "body A eval:html_image_only('a','b')", &m_html, -1 },
	{ "body A eval:html_tag_balance('body', 'system(1)')", &m_html,
	    -1 },
	{ "body B eval:check_bayes('0', '0.01')\nmeta A B || 1", &m_html,
	    -1 },
};

static void
test_rows(void **state)
{
	struct arena *a;
	struct task *t;
	struct rules *r;
	struct rules_src src;
	const char *w;
	char *why = NULL;
	double v;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&src, 0, sizeof(src));
		src.name = "row";
		src.text = rows[i].rules;
		src.len = strlen(rows[i].rules);
		if ((r = rules_load(&src, 1, &why)) == NULL) {
			print_error("row %zu: load: %s\n", i, why);
			free(why);
			bad++;
			continue;
		}
		a = arena_new();
		t = task_new(a, NULL, NULL, NULL);
		assert_int_equal(msg_parse(a, *rows[i].msg,
		    strlen(*rows[i].msg), &t->msg, &w), 0);
		if (rules_eval_one(r, t, "A", &v) == -1)
			v = -1;
		if (v != rows[i].want) {
			print_error("row %zu (%s): got %g, want %g\n", i,
			    rows[i].rules, v, rows[i].want);
			bad++;
		}
		arena_free(&a);
		rules_free(&r);
	}
	assert_int_equal(bad, 0);
}

static const struct {
	const char	*in;
	long long	 want;		/* -1: unparseable */
} dates[] = {
	{ "Mon, 31 Oct 2005 18:44:29 -0800", 1130813069 },
	{ "Wed, 28 Sep 2005 16:24:49 +0800 (CST)", 1127895889 },
	{ "Sun, 8 Jan 2006 13:12:04 +0100", 1136722324 },
	{ "8 Jan 2006 13:12:04 GMT", 1136725924 },
	{ "Sun, 08 Jan 2006 13:12:04 EST", 1136743924 },
	/* The asctime form's time goes with its date, as in SpamAssassin. */
	{ "Sun Jan  8 13:12:04 2006", 1136678400 },
	{ "8 Jan 06 13:12:04 +0000", 1136725924 },
	{ "Sat, 14 Jan 2037 21:03:03 -0000", 2115579783 },
	/* Out of range fields clamped as SpamAssassin clamps them. */
	{ "Mon, 20 Sep 2004 24:43:57 +0000", 1095723837 },
	{ "Sun, 31 Sep 2004 21:43:57 +0000", 1096667037 },
	{ "1 Jan 2099 00:00:00 +0000", 2114380800 },
	{ "by mx; 9 Sep 2001 01:46:40 +0000", 1000000000 },
	{ "2002-09-30T03:04:58+01:00", -1 },
	{ "", -1 },
	{ "yesterday", -1 },
};

static void
test_dates(void **state)
{
	long long t;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		if (rules_eval_date(dates[i].in, strlen(dates[i].in), &t) ==
		    -1)
			t = -1;
		if (t != dates[i].want) {
			print_error("\"%s\": got %lld, want %lld\n",
			    dates[i].in, t, dates[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
