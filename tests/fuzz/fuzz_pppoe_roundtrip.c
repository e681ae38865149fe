/* PPPoE discovery round trip: whatever the parser accepts, the builder rebuilds into bytes that
 * parse back to the same struct (minus counts of dropped tags and the implicit Service-Name). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pppoe/pppoe_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pppoe_disc_pkt a, b;
	static uint8_t buf[8192];

	if (pppoe_disc_parse(data, size, &a) != PPPOE_E_OK)
		return 0;
	int n = pppoe_disc_build(&a, buf, sizeof(buf));
	if (n < 0) {
		/* Only a PADI may be refused: over 1484 bytes (RFC 2516 §5.1). */
		if (a.code != PPPOE_CODE_PADI)
			abort();
		return 0;
	}
	if (pppoe_disc_parse(buf, (size_t)n, &b) != PPPOE_E_OK)
		abort();
	a.n_services_dropped = 0;
	if (a.n_services == 0 && (a.code == PPPOE_CODE_PADI || a.code == PPPOE_CODE_PADR)) {
		/* The builder adds the (empty) Service-Name these MUST carry. */
		if (b.n_services != 1 || b.services[0][0] != '\0')
			abort();
		b.n_services = 0;
	}
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	/* Building again gives the same bytes. */
	static uint8_t buf2[8192];
	if (pppoe_disc_build(&b, buf2, sizeof(buf2)) != n || memcmp(buf, buf2, (size_t)n) != 0)
		abort();
	return 0;
}
