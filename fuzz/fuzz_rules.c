/*
 * Fuzz target: rule files in the SpamAssassin syntax subset (rules.h)
 * through the parser, ReplaceTags and meta resolution on every input;
 * inputs that define only a few pattern rules are also compiled into
 * Hyperscan/PCRE2 databases and run on a small fixed message, so the
 * scope texts, prefilter confirmation and meta evaluation are fuzzed
 * without the run being dominated by Hyperscan compile time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

#define FUZZ_MAX		(16 * 1024)
#define FUZZ_COMPILE_RULES_MAX	6	/* pattern rules compiled */
#define FUZZ_COMPILE_RE_MAX	200	/* bytes per compiled pattern */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char msg_text[] =
    "From: \"Pay Pal\" <service@paypa1.example>\r\n"
    "To: bob@example.net\r\n"
    "Subject: =?utf-8?q?Your_account_is_suspended?=\r\n"
    "Message-ID: <1@x>\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><body><p>Dear customer, please verify your\r\n"
    "account.</p><a href=\"http://192.0.2.7/x\">https://a.example/</a>\r\n"
    "</body></html>\r\n";

/* Small enough to compile: few pattern rules, short patterns. */
static int
is_small(const struct rules *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].re == NULL)
			continue;
		if (++n > FUZZ_COMPILE_RULES_MAX ||
		    strlen(r->v[i].re) > FUZZ_COMPILE_RE_MAX)
			return 0;
	}
	return 1;
}

static void
run(const struct rules_src *src)
{
	struct arena *a = arena_new();
	struct task *t = task_new(a, NULL, NULL, NULL);
	struct rules *r;
	const char *why;
	char *lwhy = NULL;
	double v;
	size_t i;

	if ((r = rules_load(src, 1, &lwhy)) == NULL) {
		if (lwhy == NULL)
			abort();	/* refused without a reason */
		free(lwhy);
		arena_free(&a);
		return;
	}
	if (msg_parse(a, msg_text, sizeof(msg_text) - 1, &t->msg,
	    &why) == 0) {
		(void)rules_check(r, t, &why);
		for (i = 0; i < r->n && i < 4; i++)
			(void)rules_eval_one(r, t, r->v[i].name, &v);
	}
	rules_free(&r);
	arena_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_src src = { NULL, "fuzz.cf", NULL, 0 };
	struct rules *r;
	char *text, *why = NULL;
	int small;

	if (size > FUZZ_MAX)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	src.text = text;
	src.len = size;
	r = calloc(1, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	if (rules_parse(r, &src, 1, &why) == 0) {
		rules_resolve(r);
		small = is_small(r);
	} else {
		if (why == NULL)
			abort();	/* refused without a reason */
		small = 0;
	}
	free(why);
	rules_free(&r);
	if (small)
		run(&src);
	free(text);
	return 0;
}
