/*
 * ses.c - Amazon SES event notifications sent by e-mail (through SNS):
 * a JSON object, bare or as the "Message" string of an SNS envelope,
 * whose notificationType (eventType in the newer format) is Bounce,
 * Complaint or Delivery.  The bouncedRecipients carry action, status and
 * diagnosticCode as a DSN would; complainedRecipients are feedback;
 * delivery.recipients were delivered with delivery.smtpResponse.
 *
 * Limits: the JSON is parsed by jansson from text the MIME layer already
 * capped (MW_MIME_TEXT_MAX); at most max recipients.  Results live in
 * the arena.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounce/bounce_int.h"

static const char *
str(struct mw_arena *a, json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? mw_arena_strdup(a, v) : NULL;
}

/* The notification object in text, or NULL; the caller decrefs. */
static json_t *
notification(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	json_t *j, *m;
	const char *msg;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	if (p >= end || *p != '{')
		return NULL;
	/* the SNS e-mail adds a footer after the object */
	if ((j = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK,
	    NULL)) == NULL) {
		/* and some relays fold its long lines ("\n " inside a
		 * string): unfold once and retry */
		char *u = malloc((size_t)(end - p) + 1);
		size_t k = 0;

		if (u == NULL)
			return NULL;
		for (; p < end; p++) {
			if (*p == '\n' && p + 1 < end && p[1] == ' ') {
				p++;
				continue;
			}
			u[k++] = *p;
		}
		j = json_loadb(u, k, JSON_DISABLE_EOF_CHECK, NULL);
		free(u);
		if (j == NULL)
			return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	msg = json_string_value(json_object_get(j, "Message"));
	if (msg != NULL) {
		m = json_loads(msg, 0, NULL);
		json_decref(j);
		if (m == NULL || !json_is_object(m)) {
			json_decref(m);
			return NULL;
		}
		j = m;
	}
	return j;
}

size_t
mw__bounce_ses(struct mw__ses_rcpt *out, size_t max, struct mw_arena *a,
    const char *text, size_t len)
{
	json_t *j = notification(text, len), *arr, *v;
	const char *type;
	size_t n = 0, i;

	if (j == NULL)
		return 0;
	type = json_string_value(json_object_get(j, "notificationType"));
	if (type == NULL)
		type = json_string_value(json_object_get(j, "eventType"));
	if (type == NULL)
		goto out;
	if (strcmp(type, "Bounce") == 0) {
		json_t *b = json_object_get(j, "bounce");
		const char *bt = json_string_value(json_object_get(b,
		    "bounceType"));

		arr = json_object_get(b, "bouncedRecipients");
		json_array_foreach(arr, i, v) {
			struct mw__ses_rcpt *r = &out[n];

			if (n >= max)
				break;
			memset(r, 0, sizeof(*r));
			if ((r->recipient = str(a, v, "emailAddress")) == NULL)
				continue;
			r->action = str(a, v, "action");
			r->status = str(a, v, "status");
			r->diagnostic = str(a, v, "diagnosticCode");
			r->remote_mta = str(a, b, "reportingMTA");
			r->transient = bt != NULL &&
			    strcmp(bt, "Transient") == 0;
			n++;
		}
	} else if (strcmp(type, "Complaint") == 0) {
		json_t *c = json_object_get(j, "complaint");

		arr = json_object_get(c, "complainedRecipients");
		json_array_foreach(arr, i, v) {
			struct mw__ses_rcpt *r = &out[n];

			if (n >= max)
				break;
			memset(r, 0, sizeof(*r));
			if ((r->recipient = str(a, v, "emailAddress")) == NULL)
				continue;
			r->feedback_type = str(a, c, "complaintFeedbackType");
			if (r->feedback_type == NULL)
				r->feedback_type = "abuse";
			r->complaint = true;
			n++;
		}
	} else if (strcmp(type, "Delivery") == 0) {
		json_t *d = json_object_get(j, "delivery");

		arr = json_object_get(d, "recipients");
		json_array_foreach(arr, i, v) {
			struct mw__ses_rcpt *r = &out[n];
			const char *s = json_string_value(v);

			if (n >= max)
				break;
			if (s == NULL)
				continue;
			memset(r, 0, sizeof(*r));
			r->recipient = mw_arena_strdup(a, s);
			r->diagnostic = str(a, d, "smtpResponse");
			r->remote_mta = str(a, d, "reportingMTA");
			r->delivered = true;
			n++;
		}
	}
out:
	json_decref(j);
	return n;
}
