/* The session record parser (engine/conn_rec) on arbitrary text: it never reads past the input,
 * and whatever it accepts formats and parses back to the same record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn_rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn_session_rec r, back;
	char buf[512];
	if (!conn_rec_parse((const char *)data, size, &r))
		return 0;
	if (r.session_id == 0 || r.session_id == 0xffff || r.vlan_id > 4094 || r.prio > 7 ||
	    !memchr(r.adapter, 0, sizeof(r.adapter)) || !r.adapter[0])
		abort();
	int n = conn_rec_format(&r, buf, sizeof(buf));
	if (n < 0 || !conn_rec_parse(buf, (size_t)n, &back) || memcmp(&r, &back, sizeof(r)) != 0)
		abort();
	return 0;
}
