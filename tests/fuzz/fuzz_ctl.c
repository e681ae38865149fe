/* Fuzzes the control socket's request framing and parser. The input is a list of chunks, each a
 * length byte then up to that many bytes, fed to ctl_frame_feed as a socket would deliver them;
 * the result must equal the reassembled stream's first line (or TOO_LONG past CTL_REQ_MAX bytes),
 * whatever the cuts. A complete line then either parses to a known command with a valid
 * connection name or gives an error message; never a crash or an unterminated string. The input
 * as a whole is also parsed as one line. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fuzz_ctl_parse(const char *line, size_t len)
{
	struct ctl_req req;
	char msg[128];
	memset(msg, 'x', sizeof(msg));
	int rc = ctl_parse_req(line, len, &req, msg, sizeof(msg));
	if (rc == 0) {
		if (req.cmd != CTL_CMD_STATUS && req.cmd != CTL_CMD_STATUS_JSON &&
		    req.cmd != CTL_CMD_UP && req.cmd != CTL_CMD_DOWN && req.cmd != CTL_CMD_TRACE)
			abort();
		if (memchr(req.arg, 0, sizeof(req.arg)) == NULL)
			abort();
	} else if (rc != -1 || memchr(msg, 0, sizeof(msg)) == NULL) {
		abort();
	}
}

/* The reference: what one line of the whole stream p[0..n) is, computed without framing. */
static void fuzz_ctl_check(const struct ctl_frame *f, const uint8_t *p, size_t n, size_t took)
{
	const uint8_t *nl = memchr(p, '\n', n < CTL_REQ_MAX ? n : CTL_REQ_MAX);
	if (f->len >= CTL_REQ_MAX || f->line[f->len] != 0)
		abort();
	if (nl) {
		size_t body = (size_t)(nl - p);
		if (f->state != CTL_FRAME_LINE || f->len != body || took != body + 1 ||
		    memcmp(f->line, p, body) != 0)
			abort();
	} else if (n >= CTL_REQ_MAX) {
		if (f->state != CTL_FRAME_TOO_LONG || took != CTL_REQ_MAX ||
		    f->len != CTL_REQ_MAX - 1 || memcmp(f->line, p, f->len) != 0)
			abort();
	} else if (f->state != CTL_FRAME_MORE || took != n || f->len != n ||
		   memcmp(f->line, p, n) != 0) {
		abort();
	}
	if ((ctl_frame_room(f) == 0) != (f->state != CTL_FRAME_MORE))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t stream[65536];
	struct ctl_frame f;
	size_t n = 0, took = 0;
	bool is_whole = true;
	ctl_frame_init(&f);
	for (size_t i = 0; i < len;) {
		size_t k = data[i++];
		if (k > len - i)
			k = len - i;
		size_t room = ctl_frame_room(&f);
		size_t t = ctl_frame_feed(&f, data + i, k);
		if (t > k || t > room || (f.state == CTL_FRAME_MORE && t != k))
			abort();
		took += t;
		if (n + k <= sizeof(stream)) {
			memcpy(stream + n, data + i, k);
			n += k;
		} else {
			is_whole = false;
		}
		i += k;
	}
	if (is_whole)
		fuzz_ctl_check(&f, stream, n, took);
	if (f.state == CTL_FRAME_LINE)
		fuzz_ctl_parse(f.line, f.len);
	fuzz_ctl_parse((const char *)data, len);
	return 0;
}
