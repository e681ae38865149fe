/* DHCPv6 codec fuzzer: the input as a DHCPv6 message and as an IPv6/UDP packet; whatever parses
 * must build again and parse back to the same struct (counters of skipped input aside), and the
 * Authentication option dhcp6_auth_locate finds is the one the parser kept (the RKAP HMAC check
 * runs over the input too). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6/dhcp6_auth.h"
#include "dhcp6/dhcp6_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_clear_counters(struct dhcp6_msg *m)
{
	m->n_skipped = 0;
	m->n_raw_dropped = 0;
	m->n_ia_ignored = 0;
	for (uint8_t i = 0; i < m->n_ia; i++)
		m->ia[i].n_ignored = 0;
}

static void fz_roundtrip(const uint8_t *data, size_t size)
{
	static struct dhcp6_msg m, m2;
	static uint8_t out[1 << 17];
	static const uint8_t key[DHCP6_RKAP_VALUE_LEN] = { 1, 2, 3 };
	size_t off = 0;
	if (dhcp6_parse(data, size, &m) != DHCP6_E_OK)
		return;
	/* The parser's Authentication option and the locator's are the same one. */
	bool found = dhcp6_auth_locate(data, size, &off);
	if (found != m.auth.present)
		abort();
	if (found && (off > size || size - off < m.auth.info_len ||
		      memcmp(data + off, m.auth.info, m.auth.info_len) != 0))
		abort();
	(void)dhcp6_rkap_verify(data, size, key);
	if (m.n_ia > DHCP6_MAX_IA || m.n_dns > DHCP6_MAX_DNS || m.n_raw > DHCP6_MAX_RAW)
		abort();
	for (uint8_t i = 0; i < m.n_domains; i++)
		if (strnlen(m.domains[i], DHCP6_DOMAIN_MAX + 1) > DHCP6_DOMAIN_MAX)
			abort();
	int n = dhcp6_build(&m, out, sizeof(out));
	if (n < 0)
		abort();
	if (dhcp6_parse(out, (size_t)n, &m2) != DHCP6_E_OK)
		abort();
	fz_clear_counters(&m);
	fz_clear_counters(&m2);
	if (memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp6_udp6 u;
	fz_roundtrip(data, size);
	if (dhcp6_parse_udp6(data, size, &u) == DHCP6_E_OK) {
		if (u.payload_off + u.payload_len > size)
			abort();
		fz_roundtrip(data + u.payload_off, u.payload_len);
	}
	return 0;
}
