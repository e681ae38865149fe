/* Fuzzes the PPP control-packet codec: header parse, option walk, fixed fields, and a
 * parse -> build -> parse round trip that must give back the same packet. */
#include <stdint.h>
#include <string.h>

#include "ppp/ppp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ppp_cp_pkt p, q;
	if (ppp_cp_parse(data, size, &p) != PPP_OK)
		return 0;
	if (p.len > size || rcur_left(&p.data) != (size_t)p.len - PPP_HDR_LEN)
		__builtin_trap();
	(void)ppp_cp_check_opts(p.data);
	uint32_t magic;
	uint16_t proto;
	uint8_t code;
	(void)ppp_cp_parse_magic(&p, &magic);
	(void)ppp_cp_parse_proto_rej(&p, &proto);
	(void)ppp_cp_parse_code_rej(&p, &code);
	uint8_t out[70000];
	int n = ppp_cp_build(out, sizeof(out), p.code, p.id, p.data.p, rcur_left(&p.data));
	if (n != p.len || memcmp(out, data, (size_t)n) != 0)
		__builtin_trap();
	if (ppp_cp_parse(out, (size_t)n, &q) != PPP_OK || q.len != p.len)
		__builtin_trap();
	n = ppp_cp_build_reject(out, sizeof(out), PPP_PROTO_REJ, 1, 0x80fd, data, size, 1500);
	if (n < 0 || n > 1500)
		__builtin_trap();
	return 0;
}
