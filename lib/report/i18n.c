/*
 * i18n.c - translations from gettext .mo catalogues.
 *
 * The catalogues are made with the usual gettext tools (xgettext, msgfmt,
 * po/ru.po), but mailwhy reads them itself: the language is chosen per
 * call (the web server answers each request in its own language), and it
 * must work on machines where only the C locale is installed, where
 * gettext(3) refuses to translate at all.
 *
 * The .mo file is ours, but it is still read with every offset checked.
 * Limits: a catalogue is at most 4 MiB; at most 8 languages are cached.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/report.h"
#include "mw_config.h"

#define MO_MAGIC 0x950412deu
#define MO_MAX (4u * 1024 * 1024)
#define LANGS_MAX 8

struct catalog {
	char lang[8];
	uint8_t *data; /* NULL when there is no catalogue */
	size_t size;
	uint32_t n, orig, trans;
	int swap;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct catalog cats[LANGS_MAX];
static size_t ncats;
static char *dir_override;

void
mw_i18n_set_dir(const char *localedir)
{
	pthread_mutex_lock(&lock);
	free(dir_override);
	dir_override = localedir ? strdup(localedir) : NULL;
	for (size_t i = 0; i < ncats; i++)
		free(cats[i].data);
	ncats = 0;
	pthread_mutex_unlock(&lock);
}

static uint32_t
rd32(const struct catalog *c, size_t off)
{
	const uint8_t *p = c->data + off;
	if (c->swap)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/* The string of table entry i, or NULL when the entry points outside. */
static const char *
entry(const struct catalog *c, uint32_t table, uint32_t i)
{
	size_t at = (size_t)table + (size_t)i * 8;
	uint32_t len, off;

	if (at + 8 > c->size)
		return NULL;
	len = rd32(c, at);
	off = rd32(c, at + 4);
	if ((size_t)off + len >= c->size || c->data[off + len] != '\0')
		return NULL;
	return (const char *)c->data + off;
}

static void
load(struct catalog *c, const char *dir)
{
	char path[1024];
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/mailwhy.mo", dir,
	    c->lang);
	if ((f = fopen(path, "rb")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 28 ||
	    sz > (long)MO_MAX || fseek(f, 0, SEEK_SET) != 0 ||
	    (c->data = malloc((size_t)sz)) == NULL) {
		fclose(f);
		return;
	}
	c->size = fread(c->data, 1, (size_t)sz, f);
	fclose(f);
	c->swap = 0;
	if (c->size == (size_t)sz && rd32(c, 0) != MO_MAGIC) {
		c->swap = 1;
	}
	if (c->size != (size_t)sz || rd32(c, 0) != MO_MAGIC) {
		free(c->data);
		c->data = NULL;
		return;
	}
	c->n = rd32(c, 8);
	c->orig = rd32(c, 12);
	c->trans = rd32(c, 16);
	if ((uint64_t)c->n * 8 + c->orig > c->size ||
	    (uint64_t)c->n * 8 + c->trans > c->size) {
		free(c->data);
		c->data = NULL;
	}
}

static const char *
localedir(void)
{
	const char *env = getenv("MAILWHY_LOCALEDIR");
	FILE *f;
	char probe[1024];

	if (dir_override != NULL)
		return dir_override;
	if (env != NULL && env[0] != '\0')
		return env;
	/* Running from the build tree: prefer its fresh catalogues. */
	snprintf(probe, sizeof(probe), "%s/ru/LC_MESSAGES/mailwhy.mo",
	    MW_LOCALEDIR_BUILD);
	if ((f = fopen(probe, "rb")) != NULL) {
		fclose(f);
		return MW_LOCALEDIR_BUILD;
	}
	return MW_LOCALEDIR_INSTALLED;
}

static const struct catalog *
catalog_for(const char *lang)
{
	const struct catalog *found = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ncats; i++)
		if (strcmp(cats[i].lang, lang) == 0)
			found = &cats[i];
	if (found == NULL && ncats < LANGS_MAX && strlen(lang) < 8) {
		struct catalog *c = &cats[ncats++];
		memset(c, 0, sizeof(*c));
		memcpy(c->lang, lang, strlen(lang) + 1);
		load(c, localedir());
		found = c;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

const char *
mw_tr(const char *lang, const char *msgid)
{
	const struct catalog *c;
	uint32_t lo, hi;

	if (lang == NULL || strcmp(lang, "en") == 0 || msgid == NULL ||
	    msgid[0] == '\0')
		return msgid;
	if ((c = catalog_for(lang)) == NULL || c->data == NULL)
		return msgid;
	/* The original strings are sorted (msgfmt writes them so). */
	lo = 0;
	hi = c->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *o = entry(c, c->orig, mid);
		int cmp;
		if (o == NULL)
			return msgid;
		cmp = strcmp(msgid, o);
		if (cmp == 0) {
			const char *t = entry(c, c->trans, mid);
			return (t != NULL && t[0] != '\0') ? t : msgid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

static const char *
from_env_value(const char *v)
{
	if (v == NULL || v[0] == '\0')
		return NULL;
	if (strncmp(v, "ru", 2) == 0)
		return "ru";
	return "en";
}

const char *
mw_i18n_pick(const char *explicit_lang)
{
	const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *r;

	if (explicit_lang != NULL && explicit_lang[0] != '\0')
		return strncmp(explicit_lang, "ru", 2) == 0 ? "ru" : "en";
	/* LANGUAGE is a list; its first entry decides. */
	if ((r = from_env_value(getenv("LANGUAGE"))) != NULL)
		return r;
	for (size_t i = 0; i < 3; i++)
		if ((r = from_env_value(getenv(vars[i]))) != NULL)
			return r;
	return "en";
}
