/* Fuzzes the control-socket request parser: any bytes either parse to a known command with a
 * valid connection name or give an error message; never a crash or an unterminated string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ctl_req req;
	char msg[128];
	memset(msg, 'x', sizeof(msg));
	int rc = ctl_parse_req((const char *)data, len, &req, msg, sizeof(msg));
	if (rc == 0) {
		if (req.cmd != CTL_CMD_STATUS && req.cmd != CTL_CMD_STATUS_JSON &&
		    req.cmd != CTL_CMD_UP && req.cmd != CTL_CMD_DOWN && req.cmd != CTL_CMD_TRACE)
			abort();
		if (memchr(req.arg, 0, sizeof(req.arg)) == NULL)
			abort();
	} else if (memchr(msg, 0, sizeof(msg)) == NULL) {
		abort();
	}
	return 0;
}
