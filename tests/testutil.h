/*
 * Helpers shared by the unit tests: reading files, walking the sample
 * corpus of ../shared/testdata, and resolvers made from zone files. They
 * fail the running cmocka test themselves when the test data is missing,
 * so a test never passes by reading nothing.
 */
#ifndef MXW_TESTUTIL_H
#define MXW_TESTUTIL_H

#include <stddef.h>

struct arena;
struct buf;
struct conf;
struct dns_resolver;
struct msg;

/* Read a whole file into b (reset first). 0, or -1 if it cannot be read. */
int	tu_slurp(const char *path, struct buf *b);

/* One corpus message, parsed into its own arena. */
struct tu_msg {
	const char	*path;
	int		 cls;		/* TU_HAM, TU_SPAM or TU_PHISH */
	struct arena	*a;		/* freed after the callback */
	struct msg	*m;
};
enum { TU_HAM = 0, TU_SPAM, TU_PHISH, TU_NCLASS };

/*
 * Call fn for every message of corpus-sample (ham, spam, phish folders).
 * Returns how many there were; fails the test if a folder cannot be
 * opened, a file cannot be read or msg_parse() refuses a message.
 */
size_t	tu_corpus_each(void (*fn)(const struct tu_msg *, void *), void *arg);

/*
 * A zone-file resolver for path (caller frees with dns_resolver_free),
 * or NULL with the reason printed on stderr.
 */
struct dns_resolver *tu_zone_resolver(const char *path);

/*
 * A zone resolver holding one TXT record per row {name, "quoted data"}
 * (caller frees), or NULL with the reason printed on stderr.
 */
struct dns_resolver *tu_txt_resolver(const char *const (*rows)[2],
    size_t n);

/*
 * A configuration from text (printf format; caller frees with conf_free).
 * Fails the test, naming line and message, if the text is invalid.
 */
struct conf *tu_conf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
