/* Control-socket protocol between the CLI and the daemon: one request line
 * ("status", "status json", "up NAME", "down NAME", "trace [NAME]"), answered by one status line
 * ("ok" or "error MESSAGE") and a body; the daemon then closes the connection, except after
 * "trace", whose body is a pcapng stream until either side closes. Pure framing and parser: a
 * request may arrive in pieces and ends at its newline (one cut short by EOF is never run). */
#ifndef V6L_CTL_PROTO_H
#define V6L_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Longest request line, its newline included (the longest valid one, "trace " and a 63-byte
 * name, is 70 bytes; longer lines that fit are refused by ctl_parse_req). */
#define CTL_REQ_MAX 256

enum ctl_cmd { CTL_CMD_STATUS, CTL_CMD_STATUS_JSON, CTL_CMD_UP, CTL_CMD_DOWN, CTL_CMD_TRACE };

struct ctl_req {
	enum ctl_cmd cmd;
	char arg[64];     /* connection name ("" for trace: the first connection) */
	int stream_fd;    /* set by the server: the client's socket, for "trace" */
};

/* MORE: no complete line yet; LINE: line[0..len) is the request (NUL-terminated, newline
 * removed); TOO_LONG: CTL_REQ_MAX bytes came without a newline. LINE and TOO_LONG are final. */
enum ctl_frame_state { CTL_FRAME_MORE, CTL_FRAME_LINE, CTL_FRAME_TOO_LONG };

/* Reassembles one request line from the pieces a stream socket delivers. */
struct ctl_frame {
	enum ctl_frame_state state;
	size_t len;                 /* bytes held in line, always < CTL_REQ_MAX */
	char line[CTL_REQ_MAX];
};

void ctl_frame_init(struct ctl_frame *f);
/* Takes bytes from p[0..n) up to and including the first newline, or until the frame is full,
 * and returns how many it took (0 once the state is final); bytes after the newline belong to
 * no request. Updates f->state. */
size_t ctl_frame_feed(struct ctl_frame *f, const uint8_t *p, size_t n);
/* How many more bytes the frame can take (0 once final): the most worth reading from a socket. */
size_t ctl_frame_room(const struct ctl_frame *f);

/* Parses one request line (without or with a trailing newline); 0, or -1 with msg filled. */
int ctl_parse_req(const char *line, size_t len, struct ctl_req *out, char *msg, size_t msglen);

#endif
