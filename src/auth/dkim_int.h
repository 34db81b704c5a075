/*
 * Internal to src/auth/dkim*.c: the message digests, fetched from the
 * OpenSSL default provider once per process. An implicit fetch on every
 * use (EVP_sha256()) takes provider locks and costs as much as a quarter
 * of an RSA-2048 verification, so the fetched objects are kept; they are
 * immutable and safe to share between threads.
 */
#ifndef MXW_DKIM_INT_H
#define MXW_DKIM_INT_H

#include <openssl/evp.h>

#include "auth/dkim.h"

/* SHA-1 for rsa-sha1, SHA-256 otherwise; NULL for DKIM_ALG_UNKNOWN. */
const EVP_MD	*dkim_md(enum dkim_alg alg);

#endif
