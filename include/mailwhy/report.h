/*
 * report.h - findings and the report model.
 *
 * A finding is one fact about the thing diagnosed: a stable dotted code
 * ("addr.typo"), a severity, who must act, the raw evidence, and message
 * ids for its title, explanation and remedy (translated at render time).
 * The catalogue of codes is one table, findings.def; docs/findings.md is
 * rendered from it.
 *
 * A report gathers the findings and the typed facts (JSON fields such as
 * "valid" or "address") about one subject.  Everything lives in the
 * report's arena.
 */
#ifndef MAILWHY_REPORT_H
#define MAILWHY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

enum mw_severity {
	MW_SEV_INFO,	/* worth knowing, nothing wrong */
	MW_SEV_WARNING, /* may cost delivery, or could not tell */
	MW_SEV_ERROR,	/* mail fails or will fail */
};

/* Who must act on a finding. */
enum mw_actor {
	MW_WHO_NOBODY,		/* informational, or nothing can be done */
	MW_WHO_SENDER,		/* the person writing the letter */
	MW_WHO_SENDER_ADMIN,	/* the admin of the sending domain/server */
	MW_WHO_RECIPIENT,	/* the person the letter is for */
	MW_WHO_RECIPIENT_ADMIN, /* the admin of the receiving domain */
	MW_WHO_OPERATOR,	/* whoever runs the network/resolver used */
};

enum mw_finding_id {
#define MW_FINDING(id, code, sev, who, ref, title, explain, remedy) MW_F_##id,
#include "findings.def"
#undef MW_FINDING
	MW_F__COUNT
};

struct mw_finding_def {
	enum mw_finding_id id;
	const char *code;    /* stable: "addr.typo" */
	enum mw_severity sev;
	enum mw_actor who;
	const char *ref;     /* "RFC 5321 4.5.3.1", not translated */
	const char *title;   /* msgids; "{1}".."{3}" are the finding's args */
	const char *explain;
	const char *remedy;
};

struct mw_finding {
	const struct mw_finding_def *def;
	const char *subject;  /* what it is about: address, domain, host */
	const char *evidence; /* raw evidence (DNS answer, reply), or NULL */
	const char *args[3];  /* substituted for {1} {2} {3}; NULL = "" */
	unsigned tr_args;     /* bit i: args[i] is a message id, translated
				 at render time (a parser's reason) */
};

enum mw_fact_type {
	MW_FACT_NULL, MW_FACT_BOOL, MW_FACT_INT, MW_FACT_STR,
	MW_FACT_JSON /* s holds a JSON text, written as is (arrays, trees) */
};

struct mw_fact {
	const char *key;
	enum mw_fact_type type;
	bool b;
	int64_t i;
	const char *s;
};

struct mw_report {
	struct mw_arena *arena;
	const char *kind;    /* "addr", "domain", ... */
	const char *subject; /* the input as given */
	struct mw_fact *facts;
	size_t nfacts;
	struct mw_finding *findings;
	size_t nfindings;
	bool truncated;	     /* MW_REPORT_FINDINGS_MAX was reached */
};

/* The whole catalogue, in table order, and lookups. */
const struct mw_finding_def *mw_catalog(size_t *n);
const struct mw_finding_def *mw_catalog_get(enum mw_finding_id id);
const struct mw_finding_def *mw_catalog_find(const char *code);
const char *mw_severity_name(enum mw_severity s); /* "error" ... */
const char *mw_actor_name(enum mw_actor w);	  /* "sender" ... */
/* A translatable phrase naming the actor ("the sender"). */
const char *mw_actor_label(enum mw_actor w);

/* Starts an empty report in arena a.  Returns 0 or MW_ENOMEM. */
int mw_report_init(struct mw_report *r, struct mw_arena *a, const char *kind,
    const char *subject);

/*
 * Adds a finding; strings are copied into the arena.  Returns the finding,
 * or NULL when out of memory or past MW_REPORT_FINDINGS_MAX (then
 * r->truncated is set, and the renderers say so).
 */
struct mw_finding *mw_report_add(struct mw_report *r, enum mw_finding_id id,
    const char *subject, const char *evidence, const char *arg1,
    const char *arg2, const char *arg3);
bool mw_report_has(const struct mw_report *r, enum mw_finding_id id);
/* The highest severity among the findings; -1 when there are none. */
int mw_report_worst(const struct mw_report *r);

/* Facts become top-level JSON fields; setting a key again replaces it. */
int mw_report_set_str(struct mw_report *r, const char *key, const char *val);
int mw_report_set_bool(struct mw_report *r, const char *key, bool val);
int mw_report_set_int(struct mw_report *r, const char *key, int64_t val);
/* A structured fact (an array or object) given as JSON text; invalid JSON
 * renders as null. */
int mw_report_set_json(struct mw_report *r, const char *key, const char *json);
const struct mw_fact *mw_report_fact(const struct mw_report *r,
    const char *key);

/*
 * Texts.  lang is "en", "ru", or NULL for English.  The finding's args
 * replace {1} {2} {3}.  Appends to out.
 */
int mw_finding_text(struct mw_buf *out, const struct mw_finding *f,
    const char *msgid, const char *lang);

/* Translations (gettext .mo catalogues, read by mailwhy itself so the
 * language is per call and does not depend on installed locales). */
/* Directory holding <lang>/LC_MESSAGES/mailwhy.mo; NULL = built-in path. */
void mw_i18n_set_dir(const char *localedir);
/* The translation of msgid in lang, or msgid itself. */
const char *mw_tr(const char *lang, const char *msgid);
/* Picks "ru" or "en" from an explicit choice or LANGUAGE/LC_ALL/
 * LC_MESSAGES/LANG; never NULL. */
const char *mw_i18n_pick(const char *explicit_lang);

/* Renderers.  Flags: */
#define MW_RENDER_COLOR 0x1   /* ANSI colours (text) */
#define MW_RENDER_VERBOSE 0x2 /* also info findings and evidence (text) */
#define MW_RENDER_PRETTY 0x4  /* indented JSON instead of one line */
#define MW_RENDER_AREAS 0x8   /* text grouped by area (the code's first
				 part: dmarc, dkim, ...), errors first in
				 each; codes of other areas are not shown */

/* JSON schema version of the objects mw_render_json writes (docs/json.md). */
#define MW_JSON_SCHEMA_VERSION 1

int mw_render_text(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags);
int mw_render_json(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags);

#endif
