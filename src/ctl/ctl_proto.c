/* Control request framing and parser; see ctl_proto.h. */
#include "ctl_proto.h"

#include <stdio.h>
#include <string.h>

void ctl_frame_init(struct ctl_frame *f)
{
	f->state = CTL_FRAME_MORE;
	f->len = 0;
	f->line[0] = 0;
}

size_t ctl_frame_room(const struct ctl_frame *f)
{
	/* line keeps one byte for the NUL; the newline itself is not stored. */
	return f->state == CTL_FRAME_MORE ? CTL_REQ_MAX - f->len : 0;
}

size_t ctl_frame_feed(struct ctl_frame *f, const uint8_t *p, size_t n)
{
	size_t room = ctl_frame_room(f);
	size_t k = n < room ? n : room;
	if (!k)
		return 0;
	const uint8_t *nl = memchr(p, '\n', k);
	if (nl) {
		size_t body = (size_t)(nl - p);
		memcpy(f->line + f->len, p, body);
		f->len += body;
		f->line[f->len] = 0;
		f->state = CTL_FRAME_LINE;
		return body + 1;
	}
	if (k == room) {
		/* CTL_REQ_MAX bytes and no newline: the last one has no place in line. */
		memcpy(f->line + f->len, p, k - 1);
		f->len += k - 1;
		f->line[f->len] = 0;
		f->state = CTL_FRAME_TOO_LONG;
		return k;
	}
	memcpy(f->line + f->len, p, k);
	f->len += k;
	f->line[f->len] = 0;
	return k;
}

static int ctl_valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int ctl_parse_req(const char *line, size_t len, struct ctl_req *out, char *msg, size_t msglen)
{
	char buf[128];
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= sizeof(buf) || memchr(line, 0, len)) {
		snprintf(msg, msglen, "request too long or not text");
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = 0;
	memset(out, 0, sizeof(*out));
	char *sp = strchr(buf, ' ');
	const char *arg = sp ? sp + 1 : "";
	if (sp)
		*sp = 0;
	if (!strcmp(buf, "status") && (!*arg || !strcmp(arg, "json"))) {
		out->cmd = *arg ? CTL_CMD_STATUS_JSON : CTL_CMD_STATUS;
		return 0;
	}
	if (!strcmp(buf, "up") || !strcmp(buf, "down")) {
		if (!ctl_valid_name(arg) || strlen(arg) >= sizeof(out->arg)) {
			snprintf(msg, msglen, "%s: expected a connection name, got '%.40s'", buf, arg);
			return -1;
		}
		out->cmd = buf[0] == 'u' ? CTL_CMD_UP : CTL_CMD_DOWN;
		snprintf(out->arg, sizeof(out->arg), "%s", arg);
		return 0;
	}
	if (!strcmp(buf, "trace")) {
		if ((*arg && !ctl_valid_name(arg)) || strlen(arg) >= sizeof(out->arg)) {
			snprintf(msg, msglen, "trace: expected a connection name or nothing, got '%.40s'",
				 arg);
			return -1;
		}
		out->cmd = CTL_CMD_TRACE;
		snprintf(out->arg, sizeof(out->arg), "%s", arg);
		return 0;
	}
	snprintf(msg, msglen, "unknown request '%.40s' (expected status, status json, up NAME, "
		 "down NAME, trace [NAME])", buf);
	return -1;
}
