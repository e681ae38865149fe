/* AF_PACKET receive framing (dp_wire.c, core/cmsg.c): the 802.1Q tag the kernel strips into
 * PACKET_AUXDATA, read from control buffers laid out as the kernel lays them out, and put back
 * into a captured pppoe-server 3.15 PADO (pppoe_codec_test.c) as the trace shows it; malformed
 * control buffers give no tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/if_packet.h>
#include <sys/socket.h>

#include "core/cmsg.h"
#include "dataplane/dp_wire.h"
#include "pppoe/pppoe_codec.h"
#include "test_util.h"

/* PADO from pppoe-server 3.15 as AF_PACKET delivers it: untagged (the tag is in auxdata). */
static const char cap_pado[] = "02000000000b 02000000000a 8863"
			       "11 07 0000 0044"
			       "0102 0007 746573742d6163"
			       "0101 0008 696e7465726e6574"
			       "0101 0005 6f74686572"
			       "0104 0014 9db04dd03900e0129192778bc58249d3ee160000"
			       "0103 0008 0123456789abcdef";

union ctrl {
	struct cmsghdr align;
	uint8_t b[256];
};

/* Appends one control message at *off (as put_cmsg does: header, payload, padding). */
static void put(union ctrl *c, size_t *off, int level, int type, const void *p, size_t n)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(n), .cmsg_level = level, .cmsg_type = type };
	assert_true(*off + CMSG_SPACE(n) <= sizeof(c->b));
	memset(c->b + *off, 0, CMSG_SPACE(n));
	memcpy(c->b + *off, &h, sizeof(h));
	memcpy(c->b + *off + CMSG_LEN(0), p, n);
	*off += CMSG_SPACE(n);
}

static void test_vlan_put_back(void **st)
{
	(void)st;
	union ctrl c;
	size_t off = 0;
	struct timeval tv = { 1, 2 };
	struct tpacket_auxdata aux = { .tp_status = TP_STATUS_USER | TP_STATUS_VLAN_VALID,
				       .tp_len = 80, .tp_snaplen = 80, .tp_vlan_tci = 0xa007,
				       .tp_vlan_tpid = 0x8100 };
	put(&c, &off, SOL_SOCKET, SO_TIMESTAMP, &tv, sizeof(tv));
	put(&c, &off, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	struct dp_aux a;
	dp_aux_parse(c.b, off, &a);
	assert_true(a.has_vlan);
	assert_int_equal(a.tci, 0xa007);
	assert_false(a.is_csum_partial);

	uint8_t f[256], out[256];
	int n = test_hex(cap_pado, f, sizeof(f));
	assert_true(n > 0);
	int m = dp_wire_rebuild(f, (size_t)n, a.has_vlan, a.tci, out, sizeof(out));
	assert_int_equal(m, n + 4);
	struct pppoe_eth_hdr h;
	size_t po;
	assert_int_equal(pppoe_eth_parse(out, (size_t)m, &h, &po), PPPOE_E_OK);
	assert_true(h.has_vlan);
	assert_int_equal(h.vlan_id, 7);
	assert_int_equal(h.priority, 5);
	assert_int_equal(h.ethertype, 0x8863);
	assert_int_equal(po, 18);
	assert_memory_equal(out, f, 12);
	assert_memory_equal(out + 16, f + 12, (size_t)n - 12);
	/* Untagged: unchanged; no room or no MAC addresses: nothing. */
	assert_int_equal(dp_wire_rebuild(f, (size_t)n, false, 0, out, sizeof(out)), n);
	assert_memory_equal(out, f, (size_t)n);
	assert_int_equal(dp_wire_rebuild(f, (size_t)n, true, 0xa007, out, (size_t)n + 3), -1);
	assert_int_equal(dp_wire_rebuild(f, 11, false, 0, out, sizeof(out)), -1);
	assert_int_equal(dp_wire_rebuild(f, 12, true, 1, out, sizeof(out)), 16);

	/* A checksum left to finish (CHECKSUM_PARTIAL), no tag. */
	off = 0;
	aux.tp_status = TP_STATUS_USER | TP_STATUS_CSUMNOTREADY;
	put(&c, &off, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	dp_aux_parse(c.b, off, &a);
	assert_false(a.has_vlan);
	assert_true(a.is_csum_partial);
}

static void test_malformed_ctrl(void **st)
{
	(void)st;
	union ctrl c;
	size_t off = 0;
	struct tpacket_auxdata aux = { .tp_status = TP_STATUS_VLAN_VALID, .tp_vlan_tci = 7 };
	struct dp_aux a;
	put(&c, &off, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	/* Cut anywhere short of the whole payload: no auxdata, never a read past the buffer. */
	for (size_t len = 0; len < CMSG_LEN(sizeof(aux)); len++) {
		dp_aux_parse(c.b, len, &a);
		assert_false(a.has_vlan);
	}
	dp_aux_parse(c.b, CMSG_LEN(sizeof(aux)), &a);
	assert_true(a.has_vlan);
	/* A cmsg_len shorter than the payload, or shorter than a header, or past the buffer. */
	struct cmsghdr h;
	const size_t bad[] = { CMSG_LEN(sizeof(aux)) - 1, sizeof(h) - 1, 0, off + 1, SIZE_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&h, c.b, sizeof(h));
		h.cmsg_len = bad[i];
		memcpy(c.b, &h, sizeof(h));
		dp_aux_parse(c.b, off, &a);
		assert_false(a.has_vlan);
	}
	/* Another level or type is not auxdata. */
	off = 0;
	put(&c, &off, SOL_SOCKET, PACKET_AUXDATA, &aux, sizeof(aux));
	dp_aux_parse(c.b, off, &a);
	assert_false(a.has_vlan);
	int x = 0;
	assert_false(cmsg_get(c.b, off, SOL_PACKET, PACKET_AUXDATA, &x, sizeof(x)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_put_back),
		cmocka_unit_test(test_malformed_ctrl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
