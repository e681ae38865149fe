/* Control socket: a root-only Unix stream socket served on the daemon's loop, and the CLI side. */
#ifndef V6L_CTL_H
#define V6L_CTL_H

#include "core/loop.h"
#include "core/strbuf.h"
#include "ctl/ctl_proto.h"

struct ctl_server;

/* Handles one request; writes the body to out; returns 0 (ok) or -1 with err filled, or 1 when
 * it took over req->stream_fd (a "trace" reader): it then writes the "ok" line itself, ahead of
 * the stream, and the server leaves the socket open. */
typedef int (*ctl_handler)(void *ctx, const struct ctl_req *req, struct strbuf *out, char *err,
			   size_t errlen);

/* Listens on path (its directory is created 0755, the socket is 0600); refuses to start when
 * another daemon answers there. Returns NULL with a logged reason. Clients never block the loop
 * (limits in ctl_server.c). */
struct ctl_server *ctl_server_new(struct loop *l, const char *path, ctl_handler h, void *ctx);
void ctl_server_free(struct ctl_server *s);
/* Appends the member "control": clients now, their limit, and what was accepted, served and
 * dropped (evicted, idle, slow_reader, too_long, denied) since start, for `status --json`. */
void ctl_server_status_json(const struct ctl_server *s, struct strbuf *out);

/* CLI: sends line, prints the body to stdout; returns the exit status (0, or 1 with a message). */
int ctl_client_request(const char *path, const char *line);
/* CLI: sends line and copies the binary body to out_fd until the daemon closes (or out_fd's
 * reader goes away); returns the exit status. */
int ctl_client_stream(const char *path, const char *line, int out_fd);

#endif
