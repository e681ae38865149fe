/* Control-socket protocol between the CLI and the daemon: one request line
 * ("status", "status json", "up NAME", "down NAME", "trace [NAME]"), answered by one status line
 * ("ok" or "error MESSAGE") and a body; the daemon then closes the connection, except after
 * "trace", whose body is a pcapng stream until either side closes. Pure parser. */
#ifndef V6L_CTL_PROTO_H
#define V6L_CTL_PROTO_H

#include <stddef.h>

enum ctl_cmd { CTL_CMD_STATUS, CTL_CMD_STATUS_JSON, CTL_CMD_UP, CTL_CMD_DOWN, CTL_CMD_TRACE };

struct ctl_req {
	enum ctl_cmd cmd;
	char arg[64];     /* connection name ("" for trace: the first connection) */
	int stream_fd;    /* set by the server: the client's socket, for "trace" */
};

/* Parses one request line (without or with a trailing newline); 0, or -1 with msg filled. */
int ctl_parse_req(const char *line, size_t len, struct ctl_req *out, char *msg, size_t msglen);

#endif
