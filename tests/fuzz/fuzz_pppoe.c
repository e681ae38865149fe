/* Fuzzes the PPPoE parsers: Ethernet/802.1Q, discovery (whole frame and from the PPPoE header)
 * and session header, checking that every reported offset and length lies inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pppoe/pppoe_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check_str(const char *s)
{
	size_t n = strnlen(s, PPPOE_STR_MAX + 1);
	if (n > PPPOE_STR_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void fz_check_disc(const struct pppoe_disc_pkt *p)
{
	if (p->n_services > PPPOE_MAX_SERVICES || p->host_uniq_len > PPPOE_HOST_UNIQ_MAX ||
		p->cookie_len > PPPOE_COOKIE_MAX || p->relay_id_len > PPPOE_RELAY_ID_MAX)
		abort();
	for (size_t i = 0; i < p->n_services; i++)
		fz_check_str(p->services[i]);
	fz_check_str(p->ac_name);
	fz_check_str(p->service_name_error);
	fz_check_str(p->ac_system_error);
	fz_check_str(p->generic_error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	struct pppoe_sess s;
	size_t off;

	if (pppoe_eth_parse(data, size, &eth, &off) == PPPOE_E_OK) {
		if (off > size || eth.vlan_id > 4095 || eth.priority > 7)
			abort();
		if (pppoe_sess_parse(data + off, size - off, &s) == PPPOE_E_OK &&
			s.info_off + s.info_len > size - off)
			abort();
	}
	if (pppoe_disc_parse_frame(data, size, &eth, &p) == PPPOE_E_OK)
		fz_check_disc(&p);
	if (pppoe_disc_parse(data, size, &p) == PPPOE_E_OK)
		fz_check_disc(&p);
	if (pppoe_sess_parse(data, size, &s) == PPPOE_E_OK) {
		uint8_t hdr[PPPOE_SESS_HDR_LEN];
		if (s.info_off + s.info_len > size || s.info_off < 7 || s.info_off > 8)
			abort();
		/* An uncompressed header written back equals the one parsed. */
		if (s.info_off == 8 && (pppoe_sess_hdr_write(hdr, s.session_id, s.proto, s.info_len) ||
					       memcmp(hdr, data, 4) != 0 || memcmp(hdr + 6, data + 6, 2)))
			abort();
	}
	return 0;
}
