/*
 * An on-disk cache of compiled Hyperscan databases, so that a restart
 * with unchanged rules does not compile again (the stock SpamAssassin
 * set takes about a minute). Each scope's database is stored in its
 * own file, named by the SHA-256 of what determines it: a format tag,
 * hs_version(), the host platform as hs_populate_platform() sees it,
 * and every pattern of the scope with its flags and position. A file
 * holds the positions of patterns that the full compile refused (moved
 * to PCRE2, so the load repeats the move) and hs_serialize_database()
 * bytes. Anything unexpected -- a missing, short, foreign or corrupt
 * file, an unwritable directory -- means "not cached": the scope is
 * compiled as without a cache. Writes go to a temporary file renamed
 * into place, so concurrent starts never read half a file.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "filter/rules_int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#define CACHE_MAGIC	"MXWHS01\n"
#define CACHE_FILE_MAX	(512u * 1024 * 1024)
#define CACHE_DROPS_MAX	100000

/* Hex SHA-256 key of one scope's compile input in key (65 bytes). */
void
rules_cache_key(const char *const *ex, const unsigned *fl, size_t n,
    char key[65])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	hs_platform_info_t pl;
	unsigned mdlen = 0, i;
	uint32_t x;
	size_t k;

	if (c == NULL)
		abort();
	memset(&pl, 0, sizeof(pl));
	(void)hs_populate_platform(&pl);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	EVP_DigestUpdate(c, hs_version(), strlen(hs_version()) + 1);
	EVP_DigestUpdate(c, &pl, sizeof(pl));
	x = (uint32_t)n;
	EVP_DigestUpdate(c, &x, sizeof(x));
	for (k = 0; k < n; k++) {
		x = fl[k];
		EVP_DigestUpdate(c, &x, sizeof(x));
		EVP_DigestUpdate(c, ex[k], strlen(ex[k]) + 1);
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (i = 0; i < 32 && i < mdlen; i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	key[64] = '\0';
}

static char *
cache_path(const char *dir, const char *key, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s/%s.hs%s", dir, key, suffix) < 0)
		abort();
	return p;
}

static int
read_u32(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	if ((size_t)(end - *p) < sizeof(*v))
		return -1;
	memcpy(v, *p, sizeof(*v));
	*p += sizeof(*v);
	return 0;
}

/*
 * Load the scope database for key: on success *db_r is set and
 * drops[0..*ndrops_r) are the positions to move to PCRE2, in order
 * (caller frees drops). Returns -1 when not cached.
 */
int
rules_cache_get(const char *dir, const char *key, hs_database_t **db_r,
    uint32_t **drops_r, size_t *ndrops_r)
{
	char *path = cache_path(dir, key, "");
	struct buf b = BUF_INIT;
	const unsigned char *p, *end;
	uint32_t nd, i, len, *drops = NULL;
	char tmp[65536];
	size_t k;
	FILE *f;
	int rc = -1;

	*db_r = NULL;
	f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return -1;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0 &&
	    b.len <= CACHE_FILE_MAX)
		buf_add(&b, tmp, k);
	fclose(f);
	p = (const unsigned char *)b.p;
	end = p + b.len;
	if (b.len > CACHE_FILE_MAX || b.len < sizeof(CACHE_MAGIC) - 1 ||
	    memcmp(p, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0)
		goto out;
	p += sizeof(CACHE_MAGIC) - 1;
	if (read_u32(&p, end, &nd) == -1 || nd > CACHE_DROPS_MAX)
		goto out;
	drops = xcalloc(nd + 1, sizeof(*drops));
	for (i = 0; i < nd; i++)
		if (read_u32(&p, end, &drops[i]) == -1)
			goto out;
	if (read_u32(&p, end, &len) == -1 || len != (size_t)(end - p) ||
	    hs_deserialize_database((const char *)p, len, db_r) !=
	    HS_SUCCESS) {
		*db_r = NULL;
		goto out;
	}
	*drops_r = drops;
	*ndrops_r = nd;
	drops = NULL;
	rc = 0;
out:
	free(drops);
	buf_free(&b);
	return rc;
}

/* Store db under key; failures are ignored (the cache is optional). */
void
rules_cache_put(const char *dir, const char *key, const hs_database_t *db,
    const uint32_t *drops, size_t ndrops)
{
	char *bytes = NULL, *path, *tmp;
	struct buf b = BUF_INIT;
	size_t len = 0, off;
	uint32_t x;
	ssize_t w;
	int fd;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS ||
	    len > CACHE_FILE_MAX)
		goto out;
	buf_add(&b, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
	x = (uint32_t)ndrops;
	buf_add(&b, &x, sizeof(x));
	buf_add(&b, drops, ndrops * sizeof(*drops));
	x = (uint32_t)len;
	buf_add(&b, &x, sizeof(x));
	buf_add(&b, bytes, len);
	(void)mkdir(dir, 0755);
	path = cache_path(dir, key, "");
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0)
		abort();
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) != -1) {
		for (off = 0; off < b.len; off += (size_t)w)
			if ((w = write(fd, b.p + off, b.len - off)) <= 0)
				break;
		if (close(fd) == 0 && off == b.len)
			(void)rename(tmp, path);
		(void)unlink(tmp);	/* after rename: already gone */
	}
	free(tmp);
	free(path);
out:
	free(bytes);
	buf_free(&b);
}

/*
 * Small blobs beside the databases: the engine each pattern was given
 * (so a cached start skips Hyperscan's expression analysis). Returns
 * the bytes (caller frees) or NULL when not cached or not n bytes.
 */
unsigned char *
rules_cache_blob_get(const char *dir, const char *key, size_t n)
{
	char *path = cache_path(dir, key, ".eng");
	unsigned char *p = xmalloc(n + 1);
	FILE *f = fopen(path, "rb");
	size_t got = 0;

	free(path);
	if (f != NULL) {
		got = fread(p, 1, n + 1, f);
		fclose(f);
	}
	if (f == NULL || got != n) {
		free(p);
		return NULL;
	}
	return p;
}

void
rules_cache_blob_put(const char *dir, const char *key,
    const unsigned char *p, size_t n)
{
	char *path = cache_path(dir, key, ".eng"), *tmp;
	FILE *f;

	(void)mkdir(dir, 0755);
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0)
		abort();
	if ((f = fopen(tmp, "wb")) != NULL) {
		int ok = fwrite(p, 1, n, f) == n;

		if (fclose(f) == 0 && ok)
			(void)rename(tmp, path);
		(void)unlink(tmp);
	}
	free(tmp);
	free(path);
}
