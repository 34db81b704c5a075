/*
 * Fuzz target: the native SpamAssassin eval functions (rules_eval.c) on
 * hostile messages. The input is read as a message and every native
 * function runs on it (dates of Date and Received, Outlook Message-Ids,
 * Subject capitals, MIME counts and the HTML tag scan); the input is
 * also given to the lenient date reader as is.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

#define FUZZ_MAX	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
    "header D1 eval:check_for_shifted_date('undef', '-96')\n"
    "header D2 eval:check_for_shifted_date('3', '6')\n"
    "header O eval:check_outlook_message_id()\n"
    "header S eval:subject_is_all_caps()\n"
    "body M1 eval:check_for_mime_html()\n"
    "body M2 eval:check_for_mime_html_only()\n"
    "body H eval:html_test('html')\n"
    "body I eval:html_image_only('0000','0400')\n"
    "body T eval:html_tag_exists('body')\n"
    "body B eval:html_tag_balance('body', '!= 0')\n"
    "meta ALL D1 + D2 + O + S + M1 + M2 + H + I + T + B\n";

static struct rules *rs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_src src = { NULL, "fuzz", rules_text,
	    sizeof(rules_text) - 1 };
	struct arena *a;
	struct task *t;
	const char *why;
	char *lwhy = NULL;
	long long tm;

	if (size > FUZZ_MAX)
		return 0;
	if (rs == NULL && (rs = rules_load(&src, 1, &lwhy)) == NULL)
		abort();
	(void)rules_eval_date((const char *)data, size, &tm);
	a = arena_new();
	t = task_new(a, NULL, NULL, NULL);
	if (msg_parse(a, (const char *)data, size, &t->msg, &why) == 0)
		(void)rules_check(rs, t, &why);
	arena_free(&a);
	return 0;
}
