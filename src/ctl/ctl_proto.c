/* Control request parser; see ctl_proto.h. */
#include "ctl_proto.h"

#include <stdio.h>
#include <string.h>

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
