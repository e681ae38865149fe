/* The run dir's record parsers (engine/conn_rec: the session record, the raised-MTU record) on
 * arbitrary text: they never read past the input, and whatever they accept formats and parses
 * back to the same record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn_rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_mtu_rec(const uint8_t *data, size_t size)
{
	struct conn_mtu_rec r, back;
	char buf[160];
	if (!conn_mtu_rec_parse((const char *)data, size, &r))
		return;
	if (r.from >= r.to || r.from < 68 || !r.dev[0] || !memchr(r.dev, 0, sizeof(r.dev)) ||
	    !memchr(r.lower, 0, sizeof(r.lower)) || (r.lower[0] && r.lower_from >= r.lower_to))
		abort();
	int n = conn_mtu_rec_format(&r, buf, sizeof(buf));
	if (n < 0 || !conn_mtu_rec_parse(buf, (size_t)n, &back) || memcmp(&r, &back, sizeof(r)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn_session_rec r, back;
	char buf[512];
	fuzz_mtu_rec(data, size);
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
