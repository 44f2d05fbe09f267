// SPDX-License-Identifier: MIT
/* sha256.c - SHA-256 through OpenSSL's EVP interface (see sha256.h). */
#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sha256.h"

/*
 * A capture runs on hosts we do not trust, and OpenSSL reads openssl.cnf
 * (or $OPENSSL_CONF) on first use, which may load any engine or provider
 * module, and an engine may take over SHA-256 itself.  So the first hash
 * turns configuration loading off for the process (a no-op if someone
 * loaded it before us, which memsnap never does), and SHA-256 comes from
 * the built-in default provider of a library context of our own, which
 * nothing else in the process can load a provider into.  Both live until
 * exit.
 */
static OSSL_LIB_CTX *libctx;
static EVP_MD *sha256_md;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	libctx = OSSL_LIB_CTX_new();
	if (libctx)
		sha256_md = EVP_MD_fetch(libctx, "SHA2-256", "provider=default");
}

void msnap_sha256_init(struct msnap_sha256 *h)
{
	h->ctx = NULL;
	h->failed = false;
}

/* The EVP context is made on first use: a verify of a file with a million
 * regions then costs nothing for those it never hashes. */
static bool started(struct msnap_sha256 *h)
{
	EVP_MD_CTX *c;

	if (h->ctx || h->failed)
		return !h->failed;
	pthread_once(&fetch_once, fetch_sha256);
	c = sha256_md ? EVP_MD_CTX_new() : NULL;
	if (!c || !EVP_DigestInit_ex(c, sha256_md, NULL)) {
		EVP_MD_CTX_free(c);
		h->failed = true;
		return false;
	}
	h->ctx = c;
	return true;
}

void msnap_sha256_update(struct msnap_sha256 *h, const void *data, size_t len)
{
	if (!len || !started(h))
		return;
	if (!EVP_DigestUpdate(h->ctx, data, len))
		h->failed = true;
}

void msnap_sha256_copy(struct msnap_sha256 *dst, const struct msnap_sha256 *src)
{
	EVP_MD_CTX *c;

	msnap_sha256_init(dst);
	if (!src->ctx) {            /* nothing hashed yet, or failed */
		dst->failed = src->failed;
		return;
	}
	c = EVP_MD_CTX_new();
	if (!c || !EVP_MD_CTX_copy_ex(c, src->ctx)) {
		EVP_MD_CTX_free(c);
		dst->failed = true;
		return;
	}
	dst->ctx = c;
}

int msnap_sha256_peek(struct msnap_sha256 *h, uint8_t out[MSNAP_SHA256_SIZE])
{
	EVP_MD_CTX *c;
	unsigned n = 0;
	int ok;

	if (!started(h))
		return -1;
	c = EVP_MD_CTX_new();
	ok = c && EVP_MD_CTX_copy_ex(c, h->ctx) && EVP_DigestFinal_ex(c, out, &n) &&
	     n == MSNAP_SHA256_SIZE;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int msnap_sha256_final(struct msnap_sha256 *h, uint8_t out[MSNAP_SHA256_SIZE])
{
	unsigned n = 0;
	int ok = started(h) && EVP_DigestFinal_ex(h->ctx, out, &n) &&
		 n == MSNAP_SHA256_SIZE;

	msnap_sha256_discard(h);
	return ok ? 0 : -1;
}

void msnap_sha256_discard(struct msnap_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	h->failed = true;
}
