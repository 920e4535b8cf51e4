/*
 * dkim_key.c - DKIM key records and the audit of a domain's keys (see
 * dkim_key.h).
 *
 * Grammar: RFC 6376 3.2 tag lists (tag names ALPHA *(ALPHA / DIGIT /
 * "_"), values of VALCHAR %x21-3A / %x3C-7E with folding white space
 * between them, a duplicate tag makes the whole list invalid) and the key
 * tags of 3.6.1: v (must be first, "DKIM1"), h, k, n, p (base64, empty =
 * revoked), s, t.  Unknown tags and values are ignored, as the RFC says.
 * Key strength: RFC 8301 3.2 (RSA under 1024 bits must not be used);
 * Ed25519 keys are the bare 32 octets (RFC 8463 4.2).
 *
 * Limits: MW_DKIM_TAGS_MAX tags, MW_DKIM_KEY_B64_MAX characters of p=,
 * MW_DKIM_SELECTORS_MAX selectors per audit.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/auth_int.h"
#include "kb/kb_domain.h"
#include "mailwhy/dkim_key.h"
#include "util/limits.h"

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_tagchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static bool
is_valchar(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

static void
bad(struct mw_dkim_key *k, size_t pos, const char *why)
{
	if (!k->valid)
		return;
	k->valid = false;
	k->err_pos = pos;
	k->err_reason = why;
}

static int
b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 6376 3.6.1 p=: base64 with FWS anywhere; empty means revoked. */
static int
decode_p(struct mw_dkim_key *k, struct mw_arena *a, const uint8_t *v,
    size_t len, size_t vpos)
{
	uint8_t *out;
	size_t n = 0, chars = 0, pad = 0;
	uint32_t acc = 0;

	for (size_t i = 0; i < len; i++)
		if (!is_wsp(v[i]))
			chars++;
	if (chars == 0) {
		k->revoked = true;
		return 0;
	}
	if (chars > MW_DKIM_KEY_B64_MAX) {
		bad(k, vpos, N_("the key (p=) is longer than any real key"));
		return 0;
	}
	if ((out = mw_arena_alloc(a, chars / 4 * 3 + 3)) == NULL)
		return MW_ENOMEM;
	chars = 0;
	for (size_t i = 0; i < len; i++) {
		int d = 0;
		if (is_wsp(v[i]))
			continue;
		if (v[i] == '=')
			pad++;
		else if (pad > 0 || (d = b64val(v[i])) < 0) {
			bad(k, vpos + i,
			    N_("the key (p=) is not valid base64"));
			return 0;
		}
		acc = acc << 6 | (uint32_t)d;
		if (++chars % 4 == 0) {
			out[n++] = (uint8_t)(acc >> 16);
			out[n++] = (uint8_t)(acc >> 8);
			out[n++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (chars % 4 != 0 || pad > 2) {
		bad(k, vpos + len, N_("the key (p=) is cut short: its base64 "
		    "length is not a multiple of 4"));
		return 0;
	}
	n -= pad;
	k->key = out;
	k->key_len = n;
	return 0;
}

/* True when the colon-separated list s holds want (case-insensitive). */
static bool
list_has(const char *s, const char *want)
{
	size_t wl = strlen(want);

	while (*s) {
		const char *e = strchr(s, ':');
		size_t l;
		while (*s && is_wsp((uint8_t)*s))
			s++;
		l = e ? (size_t)(e - s) : strlen(s);
		while (l > 0 && is_wsp((uint8_t)s[l - 1]))
			l--;
		if (l == wl && strncasecmp(s, want, wl) == 0)
			return true;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return false;
}

int
mw_dkim_key_parse(struct mw_dkim_key *k, struct mw_arena *a,
    const uint8_t *txt, size_t len, struct mw_err *err)
{
	char seen[MW_DKIM_TAGS_MAX][8];
	size_t nseen = 0, i = 0, ntag = 0;

	memset(k, 0, sizeof(*k));
	k->valid = true;
	k->k = "rsa";
	k->sha256 = k->email = true;
	for (;;) {
		size_t npos, nlen, vpos, vend;
		const uint8_t *name;

		while (i < len && is_wsp(txt[i]))
			i++;
		if (i == len)
			break;
		if (txt[i] == ';') { /* an empty tag-spec before ';' */
			bad(k, i, N_("a tag name was expected"));
			break;
		}
		npos = i;
		while (i < len && is_tagchar(txt[i]))
			i++;
		nlen = i - npos;
		name = txt + npos;
		if (nlen == 0 || !((name[0] | 0x20) >= 'a' &&
			(name[0] | 0x20) <= 'z')) {
			bad(k, npos, N_("a tag name was expected"));
			break;
		}
		while (i < len && is_wsp(txt[i]))
			i++;
		if (i == len || txt[i] != '=') {
			bad(k, i, N_("'=' expected after the tag name"));
			break;
		}
		i++;
		while (i < len && is_wsp(txt[i]))
			i++;
		vpos = i;
		while (i < len && txt[i] != ';') {
			if (!is_valchar(txt[i]) && !is_wsp(txt[i])) {
				bad(k, i, N_("a character not allowed in a "
				    "tag value"));
				break;
			}
			i++;
		}
		if (!k->valid)
			break;
		vend = i;
		while (vend > vpos && is_wsp(txt[vend - 1]))
			vend--;
		if (i < len)
			i++; /* the ';' */
		if (++ntag > MW_DKIM_TAGS_MAX) {
			bad(k, npos, N_("too many tags"));
			break;
		}
		/* RFC 6376 3.2: a duplicate tag invalidates the list. */
		if (nlen < sizeof(seen[0])) {
			for (size_t s = 0; s < nseen; s++)
				if (strlen(seen[s]) == nlen &&
				    memcmp(seen[s], name, nlen) == 0)
					bad(k, npos, N_("a tag appears twice"));
			if (!k->valid)
				break;
			memcpy(seen[nseen], name, nlen);
			seen[nseen++][nlen] = '\0';
		}
		if (nlen == 1 && name[0] == 'v') {
			if (ntag != 1)
				bad(k, npos, N_("v= must be the first tag"));
			else if (vend - vpos != 5 ||
			    memcmp(txt + vpos, "DKIM1", 5) != 0)
				bad(k, vpos, N_("the version must be DKIM1"));
		} else if (nlen == 1 && name[0] == 'p') {
			if (decode_p(k, a, txt + vpos, vend - vpos, vpos) != 0)
				return mw_err_set(err, MW_ENOMEM, "dkim",
				    SIZE_MAX, "out of memory");
		} else if (nlen == 1 && memchr("khstn", name[0], 5) != NULL) {
			char *v = mw_arena_strndup(a, txt + vpos, vend - vpos);
			if (v == NULL)
				return mw_err_set(err, MW_ENOMEM, "dkim",
				    SIZE_MAX, "out of memory");
			switch (name[0]) {
			case 'k':
				k->k = v;
				break;
			case 'h':
				k->h = v;
				k->sha256 = list_has(v, "sha256");
				break;
			case 's':
				k->s = v;
				k->email = list_has(v, "email") ||
				    list_has(v, "*");
				break;
			case 't':
				k->t = v;
				k->testing = list_has(v, "y");
				k->strict = list_has(v, "s");
				break;
			default:
				k->n = v;
			}
		}
		if (!k->valid)
			break;
	}
	if (k->valid && !k->revoked && k->key == NULL)
		bad(k, len, N_("the record has no key (p=)"));
	return 0;
}

void
mw_dkim_key_inspect(struct mw_dkim_key_info *out, const struct mw_dkim_key *k)
{
	const unsigned char *p = k->key;
	EVP_PKEY *pk;

	memset(out, 0, sizeof(*out));
	out->type = k->k;
	if (k->key == NULL) {
		out->why = N_("the key is revoked");
		return;
	}
	if (strcasecmp(k->k, "ed25519") == 0) {
		/* RFC 8463 4.2: the bare public key, 32 octets. */
		out->type = "ed25519";
		out->bits = 256;
		if (k->key_len != 32) {
			out->why = N_("an Ed25519 key must be 32 octets");
			return;
		}
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    k->key, k->key_len);
		out->usable = pk != NULL;
		if (pk == NULL)
			out->why = N_("not a valid Ed25519 key");
		EVP_PKEY_free(pk);
		return;
	}
	if (strcasecmp(k->k, "rsa") != 0) {
		out->why = N_("unknown key type (k=); only rsa and ed25519 "
		    "exist");
		return;
	}
	out->type = "rsa";
	/* RFC 6376 3.6.1: an RSAPublicKey in a SubjectPublicKeyInfo. */
	if ((pk = d2i_PUBKEY(NULL, &p, (long)k->key_len)) == NULL ||
	    p != k->key + k->key_len) {
		EVP_PKEY_free(pk);
		out->why = N_("the key is not a DER SubjectPublicKeyInfo "
		    "(truncated or damaged)");
		return;
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		out->why = N_("k=rsa but the key is not an RSA key");
		return;
	}
	out->bits = (unsigned)EVP_PKEY_get_bits(pk);
	out->usable = true;
	EVP_PKEY_free(pk);
}

size_t
mw_dkim_key_selector_count(void)
{
	return mw__kb_ndkim_selectors;
}

const char *
mw_dkim_key_selector_at(size_t i)
{
	return i < mw__kb_ndkim_selectors ? mw__kb_dkim_selectors[i] : NULL;
}

/* --- the audit ------------------------------------------------------ */

struct audit {
	struct mw_report *r;
	struct mw_arena *a;
	const char *domain;
	unsigned pending;
	mw_dkim_key_done_fn done;
	void *ud;
	struct mw_dkim_key_result res;
};

struct selq {
	struct audit *au;
	const char *sel;
};

static const char *
template(struct mw_arena *a, const char *name, const char *k)
{
	return mw_arena_printf(a, "%s. TXT \"v=DKIM1; k=%s; p=<the new public "
	    "key, base64>\"", name, k);
}

static void
judge_key(struct audit *au, const char *name, const char *sel,
    const char *text, size_t len)
{
	struct mw_report *r = au->r;
	struct mw_dkim_key k;
	struct mw_dkim_key_info info;
	struct mw_finding *f;
	char bits[16];

	if (mw_dkim_key_parse(&k, au->a, (const uint8_t *)text, len, NULL) !=
	    0)
		return;
	if (!k.valid) {
		f = mw_report_add(r, MW_F_DKIM_SYNTAX, name, text, name,
		    k.err_reason, mw_arena_printf(au->a, "%zu", k.err_pos + 1));
		if (f != NULL)
			f->tr_args = 1u << 1;
		return;
	}
	if (k.revoked) {
		mw_report_add(r, MW_F_DKIM_REVOKED, name, text, name, sel,
		    NULL);
		return;
	}
	if (k.testing)
		mw_report_add(r, MW_F_DKIM_TESTING, name, k.t, name, NULL,
		    NULL);
	if (!k.email)
		mw_report_add(r, MW_F_DKIM_NOT_EMAIL, name, k.s, name, k.s,
		    NULL);
	if (!k.sha256)
		mw_report_add(r, MW_F_DKIM_SHA1, name, k.h, name, NULL, NULL);
	mw_dkim_key_inspect(&info, &k);
	if (!info.usable) {
		f = mw_report_add(r, MW_F_DKIM_BAD_KEY, name, text, name,
		    info.why, NULL);
		if (f != NULL)
			f->tr_args = 1u << 1;
		return;
	}
	snprintf(bits, sizeof(bits), "%u", info.bits);
	if (strcmp(info.type, "rsa") == 0 &&
	    info.bits < MW_DKIM_RSA_MIN_BITS) {
		au->res.weak = true;
		mw_report_add(r, MW_F_DKIM_KEY_WEAK, name, text, name, bits,
		    template(au->a, name, "rsa"));
		return;
	}
	if (strcmp(info.type, "rsa") == 0 &&
	    info.bits < MW_DKIM_RSA_GOOD_BITS)
		mw_report_add(r, MW_F_DKIM_KEY_1024, name, text, name, bits,
		    template(au->a, name, "rsa"));
	else
		mw_report_add(r, MW_F_DKIM_KEY_OK, name, text, name,
		    mw_arena_printf(au->a, "%s, %u bits", info.type,
			info.bits),
		    mw_arena_printf(au->a, "%s %u", info.type, info.bits));
	if (k.email && k.sha256) {
		au->res.usable++;
		if (strcmp(info.type, "rsa") == 0 &&
		    (au->res.min_bits == 0 || info.bits < au->res.min_bits))
			au->res.min_bits = info.bits;
	}
}

static void
finish(struct audit *au)
{
	if (au->res.found == 0 && !au->res.given && !au->res.incomplete)
		mw_report_add(au->r, MW_F_DKIM_NOT_FOUND, au->domain, NULL,
		    mw_arena_printf(au->a, "%zu", au->res.tried), au->domain,
		    NULL);
	au->done(au->ud, &au->res);
}

static void
on_key(void *ud, const struct mw_dns_answer *a)
{
	struct selq *q = ud;
	struct audit *au = q->au;
	size_t ntxt = 0;

	if (a->status == MW_DNS_OK)
		for (size_t i = 0; i < a->n; i++)
			ntxt += a->rr[i].type == MW_DNS_T_TXT;
	if (mw_dns_status_is_temporary(a->status)) {
		au->res.incomplete = true;
		mw__auth_dns_trouble(au->r, a->qname, a);
	} else if (ntxt == 0) {
		if (au->res.given)
			mw_report_add(au->r, MW_F_DKIM_SELECTOR_MISSING,
			    a->qname, mw_dns_status_name(a->status), a->qname,
			    q->sel, mw_dns_status_name(a->status));
	} else {
		au->res.found++;
		if (ntxt > 1)
			mw_report_add(au->r, MW_F_DKIM_MULTIPLE, a->qname, NULL,
			    a->qname, mw_arena_printf(au->a, "%zu", ntxt),
			    NULL);
		for (size_t i = 0; i < a->n; i++)
			if (a->rr[i].type == MW_DNS_T_TXT) {
				judge_key(au, a->qname, q->sel,
				    a->rr[i].u.txt.joined,
				    a->rr[i].u.txt.joined_len);
				break;
			}
	}
	if (--au->pending == 0)
		finish(au);
}

int
mw_dkim_key_check(struct mw_dns *dns, struct mw_report *r,
    const char *domain, const char *const *sel, size_t nsel,
    mw_dkim_key_done_fn done, void *ud, struct mw_err *err)
{
	struct audit *au;
	size_t n = nsel ? nsel : mw__kb_ndkim_selectors;

	if (n > MW_DKIM_SELECTORS_MAX)
		return mw_err_set(err, MW_ELIMIT, "dkim", SIZE_MAX,
		    "more than %d selectors", MW_DKIM_SELECTORS_MAX);
	if ((au = mw_arena_alloc(r->arena, sizeof(*au))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "dkim", SIZE_MAX,
		    "out of memory");
	au->r = r;
	au->a = r->arena;
	au->domain = domain;
	au->done = done;
	au->ud = ud;
	au->res.given = nsel > 0;
	au->pending = 1; /* held until every query is sent */
	for (size_t i = 0; i < n; i++) {
		struct selq *q = mw_arena_alloc(au->a, sizeof(*q));
		const char *s = nsel ? sel[i] : mw__kb_dkim_selectors[i];
		if (q == NULL)
			break;
		q->au = au;
		q->sel = s;
		au->pending++;
		au->res.tried++;
		if (mw_dns_query(dns, au->a,
			mw_arena_printf(au->a, "%s._domainkey.%s", s, domain),
			MW_DNS_T_TXT, on_key, q, NULL) != 0) {
			au->pending--;
			au->res.tried--;
			if (nsel)
				au->res.incomplete = true;
		}
	}
	if (--au->pending == 0)
		finish(au); /* nothing was sent */
	return 0;
}
