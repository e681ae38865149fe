/* Ancillary data (recvmsg control buffers) read as untrusted bytes: a bounds-checked walk that
 * never trusts cmsg_len beyond the buffer and copies payloads out (no alignment assumed). Pure. */
#ifndef V6L_CORE_CMSG_H
#define V6L_CORE_CMSG_H

#include <stdbool.h>
#include <stddef.h>

/* Copies into out[size] the payload of the last control message of (level, type) in
 * ctrl[0..len) whose payload has at least size bytes; false when there is none. The walk stops
 * at a header whose length is below a header's or runs past the buffer. */
bool cmsg_get(const void *ctrl, size_t len, int level, int type, void *out, size_t size);

#endif
