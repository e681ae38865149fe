/* Pure ini rewrite used by `v6link passwd`: set key=value in one [section] of an ini text,
 * keeping comments, order, spacing and line ends; lines are read as cfg.c reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/secret.h"

struct edit_line {
	size_t start, end;  /* content, line end excluded */
	size_t next;        /* start of the next line */
};

static bool edit_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

static struct edit_line edit_next(const char *in, size_t len, size_t pos)
{
	const char *nl = memchr(in + pos, '\n', len - pos);
	struct edit_line l = { .start = pos };

	l.next = nl ? (size_t)(nl - in) + 1 : len;
	l.end = nl ? (size_t)(nl - in) : len;
	if (l.end > l.start && in[l.end - 1] == '\r')
		l.end--;
	return l;
}

/* End of the meaningful text in [s, e): before an inline comment, trailing space trimmed. */
static size_t edit_content_end(const char *in, size_t s, size_t e)
{
	for (size_t i = s + 1; i < e; i++)
		if ((in[i] == ';' || in[i] == '#') && edit_space(in[i - 1])) {
			e = i;
			break;
		}
	while (e > s && edit_space(in[e - 1]))
		e--;
	return e;
}

/* If line l is a section header, stores its name span and returns true. */
static bool edit_header(const char *in, struct edit_line l, size_t *ns, size_t *ne)
{
	size_t s = l.start, e;

	while (s < l.end && edit_space(in[s]))
		s++;
	if (s == l.end || in[s] != '[')
		return false;
	e = edit_content_end(in, s, l.end);
	if (e - s < 2 || in[e - 1] != ']')
		return false;
	s++;
	e--;
	while (s < e && edit_space(in[s]))
		s++;
	while (e > s && edit_space(in[e - 1]))
		e--;
	*ns = s;
	*ne = e;
	return true;
}

/* If line l is key=value with the given key, stores the value span and returns true. */
static bool edit_key(const char *in, struct edit_line l, const char *key, size_t *vs, size_t *ve,
		     bool *is_key_line)
{
	size_t s = l.start, e, eq;
	size_t klen = strlen(key);

	*is_key_line = false;
	while (s < l.end && edit_space(in[s]))
		s++;
	if (s == l.end || in[s] == ';' || in[s] == '#')
		return false;
	e = edit_content_end(in, s, l.end);
	for (eq = s; eq < e && in[eq] != '='; eq++)
		;
	*is_key_line = true;
	if (eq == e)
		return false;
	size_t ke = eq;
	while (ke > s && edit_space(in[ke - 1]))
		ke--;
	if (ke - s != klen || strncasecmp(in + s, key, klen))
		return false;
	*vs = eq + 1;
	while (*vs < e && edit_space(in[*vs]))
		(*vs)++;
	*ve = e > *vs ? e : *vs;
	return true;
}

/* Returns a malloc'd copy of in with [at, cut_end) replaced by the concatenation of parts. */
static char *edit_splice(const char *in, size_t len, size_t at, size_t cut_end,
			 const char *const parts[4], size_t *out_len)
{
	size_t n = at + (len - cut_end), o = at;
	char *out;

	for (int i = 0; i < 4; i++)
		n += strlen(parts[i]);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, in, at);
	for (int i = 0; i < 4; i++) {
		memcpy(out + o, parts[i], strlen(parts[i]));
		o += strlen(parts[i]);
	}
	memcpy(out + o, in + cut_end, len - cut_end);
	out[n] = '\0';
	*out_len = n;
	return out;
}

char *cfg_ini_set_key(const char *in, size_t in_len, const char *section, const char *key,
		      const char *value, size_t *out_len, bool *no_section)
{
	bool in_target = false, found = false, is_key;
	size_t insert = 0, pos = 0, ns, ne, vs, ve;
	const char *nl = "\n";

	*no_section = false;
	while (pos < in_len) {
		struct edit_line l = edit_next(in, in_len, pos);
		pos = l.next;
		if (edit_header(in, l, &ns, &ne)) {
			if (found && in_target)
				break; /* the target section ended */
			in_target = ne - ns == strlen(section) && !strncmp(in + ns, section, ne - ns);
			if (in_target) {
				found = true;
				insert = l.next;
				nl = l.end < l.next && l.next - l.end == 2 ? "\r\n" : "\n";
			}
			continue;
		}
		if (!in_target)
			continue;
		if (edit_key(in, l, key, &vs, &ve, &is_key))
			return edit_splice(in, in_len, vs, ve, (const char *const[4]){ value, "", "", "" },
					   out_len);
		if (is_key)
			insert = l.next;
	}
	if (!found) {
		*no_section = true;
		return NULL;
	}
	if (insert > 0 && in[insert - 1] != '\n') /* last line without a line end */
		return edit_splice(in, in_len, insert, insert,
				   (const char *const[4]){ nl, key, "=", value }, out_len);
	return edit_splice(in, in_len, insert, insert, (const char *const[4]){ key, "=", value, nl },
			   out_len);
}
