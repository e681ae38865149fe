/* Bounds-checked ancillary data walk; see cmsg.h. */
#include "core/cmsg.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

bool cmsg_get(const void *ctrl, size_t len, int level, int type, void *out, size_t size)
{
	const uint8_t *b = ctrl;
	size_t off = 0;
	bool found = false;
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		memcpy(&h, b + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			break;
		size_t data = CMSG_LEN(0);
		if (h.cmsg_level == level && h.cmsg_type == type && h.cmsg_len >= data &&
		    h.cmsg_len - data >= size) {
			memcpy(out, b + off + data, size);
			found = true;
		}
		size_t step = CMSG_ALIGN(h.cmsg_len);
		if (step > len - off)
			break;
		off += step;
	}
	return found;
}
