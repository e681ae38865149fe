/* rtnetlink reply parser: acks (capped, uncapped, extended-ack text), RTM_NEWADDR dumps and
 * RTM_NEWLINK, all from real replies of Linux 6.18 (x86-64, little-endian) captured with
 * `strace -xx -e read=FD` around iproute2 and hostcfg-smoke in a throwaway netns; truncation at
 * every length and hand-made malformed variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <sys/socket.h>

#include "hostcfg/nlparse.h"
#include "test_util.h"

/* `ip addr show dev d0`: RTM_NEWADDR for 100.64.0.10 peer 100.64.0.1/32, then
 * 2001:db8:1::1234/64 nodad valid 600 pref 300 (NLM_F_MULTI|NLM_F_DUMP_FILTERED), seq 0x6b0844ea. */
static const char DUMP46[] =
	"4c 00 00 00 14 00 22 00 ea 44 08 6b c3 23 00 00 02 20 80 00 02 00 00 00 08 00 01 00 64 40 00 01"
	"08 00 02 00 64 40 00 0a 07 00 03 00 64 30 00 00 08 00 08 00 80 00 00 00 14 00 06 00 ff ff ff ff"
	"ff ff ff ff 19 bf 00 00 19 bf 00 00 48 00 00 00 14 00 22 00 ea 44 08 6b c3 23 00 00 0a 40 02 00"
	"02 00 00 00 14 00 01 00 20 01 0d b8 00 01 00 00 00 00 00 00 00 00 12 34 14 00 06 00 2c 01 00 00"
	"58 02 00 00 19 bf 00 00 19 bf 00 00 08 00 08 00 02 00 00 00";

/* `ip -6 addr show dev d0`: the IPv6 RTM_NEWADDR and the NLMSG_DONE in one read, seq 0x6b0844ea. */
static const char DUMP6_DONE[] =
	"48 00 00 00 14 00 22 00 ea 44 08 6b ca 23 00 00 0a 40 02 00 02 00 00 00 14 00 01 00 20 01 0d b8"
	"00 01 00 00 00 00 00 00 00 00 12 34 14 00 06 00 2c 01 00 00 58 02 00 00 19 bf 00 00 19 bf 00 00"
	"08 00 08 00 02 00 00 00 14 00 00 00 03 00 22 00 ea 44 08 6b ca 23 00 00 00 00 00 00";

/* `ip -6 route add 2001:db8:99::/48 dev d0 proto 118` twice: uncapped NLMSG_ERROR -EEXIST. */
static const char ACK_EEXIST[] =
	"4c 00 00 00 02 00 00 00 e0 44 08 6b 32 22 00 00 ef ff ff ff 38 00 00 00 18 00 05 06 e0 44 08 6b"
	"00 00 00 00 0a 30 00 00 fe 76 00 01 00 00 00 00 14 00 01 00 20 01 0d b8 00 99 00 00 00 00 00 00"
	"00 00 00 00 08 00 04 00 02 00 00 00";

/* `ip -6 route add 2001:db8:98::/48 via fe80::1`: -EINVAL, NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG. */
static const char ACK_EXT[] =
	"78 00 00 00 02 00 00 02 23 46 08 6b 7f 63 00 00 ea ff ff ff 44 00 00 00 18 00 05 06 23 46 08 6b"
	"00 00 00 00 0a 30 00 00 fe 03 00 01 00 00 00 00 14 00 01 00 20 01 0d b8 00 98 00 00 00 00 00 00"
	"00 00 00 00 14 00 05 00 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 20 00 01 00 45 67 72 65"
	"73 73 20 64 65 76 69 63 65 20 6e 6f 74 20 73 70 65 63 69 66 69 65 64 00";

/* hostcfg-smoke RTM_GETLINK with NETLINK_CAP_ACK: success ack, NLM_F_CAPPED, seq 0x6b084623. */
static const char ACK_CAPPED_OK[] =
	"24 00 00 00 02 00 00 01 23 46 08 6b 85 63 00 00 00 00 00 00 2c 00 00 00 12 00 05 00 23 46 08 6b"
	"00 00 00 00";

/* hostcfg_nl_link_set(mtu 70000) on a TUN, NETLINK_CAP_ACK + NETLINK_EXT_ACK: -EINVAL,
 * NLM_F_CAPPED|NLM_F_ACK_TLVS, so the text follows the echoed header directly. Seq 0x6b08472e. */
static const char ACK_CAPPED_EXT[] =
	"48 00 00 00 02 00 00 03 2e 47 08 6b 61 2d 00 00 ea ff ff ff 28 00 00 00 10 00 05 00 2e 47 08 6b"
	"00 00 00 00 24 00 01 00 6d 74 75 20 67 72 65 61 74 65 72 20 74 68 61 6e 20 64 65 76 69 63 65 20"
	"6d 61 78 69 6d 75 6d 00";

/* `ip addr show dev d0` RTM_NEWLINK, cut after IFLA_MTU with nlmsg_len patched 0x470 -> 0x50. */
static const char LINK_D0[] =
	"50 00 00 00 10 00 00 00 e0 44 08 6b 81 b1 55 94 00 00 fe ff 02 00 00 00 91 10 00 00 00 00 00 00"
	"07 00 03 00 64 30 00 00 08 00 0d 00 f4 01 00 00 05 00 10 00 02 00 00 00 05 00 11 00 00 00 00 00"
	"05 00 43 00 00 00 00 00 08 00 04 00 dc 05 00 00";

/* RTM_NEWLINK replies to RTM_GETLINK (python socket, Linux 6.18, seq 0x6b0900aa) in a throwaway
 * netns with `ip link add e0 type veth peer name e1; ip link add link e0 name mv0 type macvlan;
 * ip link add link e0 name mv1 type macvlan; ip link set mv1 netns OTHER`, cut to IFLA_IFNAME,
 * IFLA_MTU, IFLA_MAX_MTU, IFLA_LINKINFO (only IFLA_INFO_KIND kept), IFLA_LINK_NETNSID and
 * IFLA_LINK, with nlmsg_len and the IFLA_LINKINFO length patched. mv0: macvlan on index 3. */
static const char LINK_MV0[] =
	"50 00 00 00 10 00 00 00 aa 00 09 6b 35 73 00 00 00 00 01 00 04 00 00 00 02 10 00 00 00 00 00 00"
	"08 00 03 00 6d 76 30 00 08 00 04 00 dc 05 00 00 08 00 33 00 ff ff 00 00 10 00 12 00 0c 00 01 00"
	"6d 61 63 76 6c 61 6e 00 08 00 05 00 03 00 00 00";
/* mv1, seen from the other namespace: its lower device is index 3 of link-netnsid 0. */
static const char LINK_MV1[] =
	"58 00 00 00 10 00 00 00 aa 00 09 6b 79 73 00 00 00 00 01 00 05 00 00 00 02 10 00 00 00 00 00 00"
	"08 00 03 00 6d 76 31 00 08 00 04 00 dc 05 00 00 08 00 33 00 ff ff 00 00 10 00 12 00 0c 00 01 00"
	"6d 61 63 76 6c 61 6e 00 08 00 25 00 00 00 00 00 08 00 05 00 03 00 00 00";
/* e0: a veth, whose IFLA_LINK (2) is its peer, not a lower device. */
static const char LINK_E0[] =
	"50 00 00 00 10 00 00 00 aa 00 09 6b aa 73 00 00 00 00 01 00 03 00 00 00 02 10 00 00 00 00 00 00"
	"07 00 03 00 65 30 00 00 08 00 04 00 dc 05 00 00 08 00 33 00 ff ff 00 00 10 00 12 00 09 00 01 00"
	"76 65 74 68 00 00 00 00 08 00 05 00 02 00 00 00";

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	int n = test_hex(h, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

static void pton(int af, const char *s, uint8_t *out)
{
	assert_int_equal(inet_pton(af, s, out), 1);
}

static void test_addr_dump_v4_v6(void **state)
{
	(void)state;
	uint8_t b[256], want[16];
	size_t n = hex(DUMP46, b, sizeof(b));
	struct rcur c = rcur_init(b, n);
	struct hostcfg_nlmsg m;
	struct hostcfg_addr_info ai;

	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(m.type, 20); /* RTM_NEWADDR */
	assert_int_equal(m.seq, 0x6b0844ea);
	assert_int_equal(hostcfg_nl_parse_addr(&m, &ai), HOSTCFG_NL_OK);
	assert_int_equal(ai.family, AF_INET);
	assert_int_equal(ai.plen, 32);
	assert_int_equal(ai.ifindex, 2);
	assert_int_equal(ai.flags, IFA_F_PERMANENT);
	pton(AF_INET, "100.64.0.10", want);
	assert_memory_equal(ai.addr, want, 4);
	assert_true(ai.has_peer);
	pton(AF_INET, "100.64.0.1", want);
	assert_memory_equal(ai.peer, want, 4);
	assert_true(ai.has_cacheinfo);
	assert_int_equal(ai.valid_s, UINT32_MAX);
	assert_int_equal(ai.pref_s, UINT32_MAX);
	assert_string_equal(ai.label, "d0");

	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(hostcfg_nl_parse_addr(&m, &ai), HOSTCFG_NL_OK);
	assert_int_equal(ai.family, AF_INET6);
	assert_int_equal(ai.plen, 64);
	assert_int_equal(ai.flags, IFA_F_NODAD);
	pton(AF_INET6, "2001:db8:1::1234", want);
	assert_memory_equal(ai.addr, want, 16);
	assert_false(ai.has_peer);
	assert_int_equal(ai.valid_s, 600);
	assert_int_equal(ai.pref_s, 300);

	assert_false(hostcfg_nl_next(&c, &m));
	assert_true(rcur_ok(&c)); /* clean end, not malformed */
}

static void test_dump_done_is_ack(void **state)
{
	(void)state;
	uint8_t b[128];
	size_t n = hex(DUMP6_DONE, b, sizeof(b));
	struct hostcfg_nl_ack ack = { .err = 99 };
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844ea, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 0);
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844eb, &ack), HOSTCFG_NL_E_NOACK);
	/* Without its NLMSG_DONE the buffer holds no ack yet. */
	assert_int_equal(hostcfg_nl_parse_ack(b, 0x48, 0x6b0844ea, &ack), HOSTCFG_NL_E_NOACK);
}

static void test_ack_eexist(void **state)
{
	(void)state;
	uint8_t b[128];
	size_t n = hex(ACK_EEXIST, b, sizeof(b));
	struct hostcfg_nl_ack ack;
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844e0, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 17); /* EEXIST */
	assert_string_equal(ack.msg, "");
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 1, &ack), HOSTCFG_NL_E_NOACK);
}

static void test_ack_ext_msg(void **state)
{
	(void)state;
	uint8_t b[160];
	size_t n = hex(ACK_EXT, b, sizeof(b));
	struct hostcfg_nl_ack ack;
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 22); /* EINVAL */
	assert_string_equal(ack.msg, "Egress device not specified");
}

static void test_ack_capped_ext_msg(void **state)
{
	(void)state;
	uint8_t b[96];
	size_t n = hex(ACK_CAPPED_EXT, b, sizeof(b));
	struct hostcfg_nl_ack ack;
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b08472e, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 22);
	assert_string_equal(ack.msg, "mtu greater than device maximum");
	/* Read as uncapped, the 40-byte request echo eats into the TLV; the rest is no valid TLV. */
	b[7] = 0x02;
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b08472e, &ack), HOSTCFG_NL_E_ATTRLEN);
}

static void test_ack_capped_ok(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = hex(ACK_CAPPED_OK, b, sizeof(b));
	struct hostcfg_nl_ack ack = { .err = 5 };
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 0);
	/* The same bytes without NLM_F_CAPPED claim a 44-byte request echo that is not there. */
	b[7] = 0;
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_E_SHORT);
}

/* An ack buffer cut at any length gives no ack (the framing check refuses the partial message). */
static void test_ack_truncated_everywhere(void **state)
{
	(void)state;
	const char *vec[] = { ACK_EEXIST, ACK_EXT, ACK_CAPPED_OK, DUMP6_DONE, ACK_CAPPED_EXT };
	const uint32_t seq[] = { 0x6b0844e0, 0x6b084623, 0x6b084623, 0x6b0844ea, 0x6b08472e };
	for (size_t v = 0; v < 5; v++) {
		uint8_t b[160];
		size_t n = hex(vec[v], b, sizeof(b));
		for (size_t len = 0; len < n; len++) {
			struct hostcfg_nl_ack ack;
			enum hostcfg_nl_err e = hostcfg_nl_parse_ack(b, len, seq[v], &ack);
			assert_int_not_equal(e, HOSTCFG_NL_OK);
			/* Only a cut exactly between two messages is a clean "no ack yet". */
			if (e == HOSTCFG_NL_E_NOACK)
				assert_true(len == 0 || (v == 3 && len == 0x48));
		}
	}
}

/* RTM_NEWADDR payload cut at every length: short header is E_SHORT, a cut inside an attribute
 * is E_ATTRLEN, and a cut between attributes may parse but never invents an address. */
static void test_addr_truncated_everywhere(void **state)
{
	(void)state;
	uint8_t b[256], want[16];
	size_t n = hex(DUMP46, b, sizeof(b));
	pton(AF_INET, "100.64.0.10", want);
	struct rcur c = rcur_init(b, n);
	struct hostcfg_nlmsg full, m;
	struct hostcfg_addr_info ai;
	assert_true(hostcfg_nl_next(&c, &full));
	size_t plen = rcur_left(&full.payload);
	unsigned n_ok = 0;
	for (size_t len = 0; len < plen; len++) {
		m = full;
		m.payload.left = len;
		enum hostcfg_nl_err e = hostcfg_nl_parse_addr(&m, &ai);
		if (len < 8)
			assert_int_equal(e, HOSTCFG_NL_E_SHORT);
		else if (e == HOSTCFG_NL_OK)
			n_ok++;
		else
			assert_true(e == HOSTCFG_NL_E_ATTRLEN || e == HOSTCFG_NL_E_NOADDR);
		/* IFA_LOCAL ends at payload offset 24: before it the local address is unknown. */
		if (e == HOSTCFG_NL_OK && len >= 24)
			assert_memory_equal(ai.addr, want, 4);
	}
	/* OK only at attribute ends from IFA_ADDRESS on: 16, 24, 31 (IFA_LABEL without its
	 * padding), 32 and 40. */
	assert_int_equal(n_ok, 5);
}

static void test_link(void **state)
{
	(void)state;
	uint8_t b[128];
	size_t n = hex(LINK_D0, b, sizeof(b));
	struct rcur c = rcur_init(b, n);
	struct hostcfg_nlmsg m;
	struct hostcfg_link_info li;
	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(hostcfg_nl_parse_link(&m, &li), HOSTCFG_NL_OK);
	assert_int_equal(li.ifindex, 2);
	assert_int_equal(li.type, 0xfffe); /* ARPHRD_NONE */
	assert_int_equal(li.flags, 0x1091); /* UP|POINTOPOINT|NOARP|MULTICAST */
	assert_true(li.has_mtu);
	assert_int_equal(li.mtu, 1500);
	assert_string_equal(li.name, "d0");
	for (size_t len = 0; len < n; len++) {
		struct rcur t = rcur_init(b, len);
		assert_false(hostcfg_nl_next(&t, &m));
		assert_int_equal(rcur_ok(&t), len == 0);
	}
	/* Not an address message. */
	struct hostcfg_addr_info ai;
	c = rcur_init(b, n);
	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(hostcfg_nl_parse_addr(&m, &ai), HOSTCFG_NL_E_TYPE);
}

static enum hostcfg_nl_err parse_first_link(const char *h, struct hostcfg_link_info *li)
{
	uint8_t b[128];
	size_t n = hex(h, b, sizeof(b));
	struct rcur c = rcur_init(b, n);
	struct hostcfg_nlmsg m;
	assert_true(hostcfg_nl_next(&c, &m));
	return hostcfg_nl_parse_link(&m, li);
}

/* A stacked device: its kind, its lower device and whether that lives in another namespace. */
static void test_link_stacked(void **state)
{
	(void)state;
	struct hostcfg_link_info li;
	assert_int_equal(parse_first_link(LINK_MV0, &li), HOSTCFG_NL_OK);
	assert_string_equal(li.name, "mv0");
	assert_int_equal(li.ifindex, 4);
	assert_int_equal(li.type, 1); /* ARPHRD_ETHER */
	assert_int_equal(li.mtu, 1500);
	assert_int_equal(li.max_mtu, 65535);
	assert_string_equal(li.kind, "macvlan");
	assert_int_equal(li.link, 3);
	assert_false(li.has_link_netns);
	assert_int_equal(parse_first_link(LINK_MV1, &li), HOSTCFG_NL_OK);
	assert_string_equal(li.kind, "macvlan");
	assert_int_equal(li.link, 3);
	assert_true(li.has_link_netns);
	assert_int_equal(parse_first_link(LINK_E0, &li), HOSTCFG_NL_OK);
	assert_string_equal(li.kind, "veth");
	assert_int_equal(li.link, 2);
	/* Without IFLA_LINKINFO and IFLA_LINK (a TUN): no kind, no lower device. */
	assert_int_equal(parse_first_link(LINK_D0, &li), HOSTCFG_NL_OK);
	assert_string_equal(li.kind, "");
	assert_int_equal(li.link, 0);
	assert_int_equal(li.max_mtu, 0);
}

/* A malformed IFLA_LINKINFO nest (its IFLA_INFO_KIND length 3 < 4) or a short IFLA_LINK. */
static void test_link_malformed(void **state)
{
	(void)state;
	uint8_t b[128];
	size_t n = hex(LINK_MV0, b, sizeof(b));
	struct hostcfg_nlmsg m;
	struct hostcfg_link_info li;
	uint8_t bad[128];
	memcpy(bad, b, n);
	bad[60] = 3; /* IFLA_INFO_KIND length */
	struct rcur c = rcur_init(bad, n);
	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(hostcfg_nl_parse_link(&m, &li), HOSTCFG_NL_E_ATTRLEN);
	memcpy(bad, b, n);
	bad[72] = 6; /* IFLA_LINK with a 2-byte value */
	c = rcur_init(bad, n);
	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(hostcfg_nl_parse_link(&m, &li), HOSTCFG_NL_E_ATTRLEN);
}

static enum hostcfg_nl_err parse_first_addr(uint8_t *b, size_t n, struct hostcfg_addr_info *ai)
{
	struct rcur c = rcur_init(b, n);
	struct hostcfg_nlmsg m;
	assert_true(hostcfg_nl_next(&c, &m));
	return hostcfg_nl_parse_addr(&m, ai);
}

static void test_addr_malformed(void **state)
{
	(void)state;
	uint8_t b[256];
	struct hostcfg_addr_info ai;
	size_t n = hex(DUMP46, b, sizeof(b));
	b[16] = 7; /* ifa_family */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_FAMILY);
	n = hex(DUMP46, b, sizeof(b));
	b[17] = 33; /* ifa_prefixlen above 32 */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_PLEN);
	n = hex(DUMP46, b, sizeof(b));
	b[24] = 3; /* IFA_ADDRESS nla_len below the header */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_ATTRLEN);
	n = hex(DUMP46, b, sizeof(b));
	b[24] = 7; /* IFA_ADDRESS of 3 bytes for AF_INET */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_ATTRLEN);
	n = hex(DUMP46, b, sizeof(b));
	b[24] = 0x40; /* nla_len past the message */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_ATTRLEN);
	n = hex(DUMP46, b, sizeof(b));
	b[26] = 9; /* IFA_ADDRESS -> unknown type 9: only IFA_LOCAL is left, so no peer */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_OK);
	assert_false(ai.has_peer);
	b[34] = 9; /* and IFA_LOCAL too: no address at all */
	assert_int_equal(parse_first_addr(b, n, &ai), HOSTCFG_NL_E_NOADDR);
}

static void test_msg_framing(void **state)
{
	(void)state;
	uint8_t b[128];
	struct hostcfg_nl_ack ack;
	size_t n = hex(ACK_EEXIST, b, sizeof(b));
	b[0] = 15; /* nlmsg_len below the header */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844e0, &ack), HOSTCFG_NL_E_MSGLEN);
	b[0] = 0x4d; /* one byte past the buffer */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844e0, &ack), HOSTCFG_NL_E_MSGLEN);
	n = hex(ACK_EEXIST, b, sizeof(b));
	b[20] = 8; /* echoed request nlmsg_len below its header */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b0844e0, &ack), HOSTCFG_NL_E_MSGLEN);
}

static void test_ack_errno_range(void **state)
{
	(void)state;
	uint8_t b[64];
	struct hostcfg_nl_ack ack;
	size_t n = hex(ACK_CAPPED_OK, b, sizeof(b));
	memcpy(b + 16, (const uint8_t[]){ 5, 0, 0, 0 }, 4); /* positive error */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_E_ERRNO);
	memcpy(b + 16, (const uint8_t[]){ 0, 0, 0, 0x80 }, 4); /* INT32_MIN: must not be negated */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_E_ERRNO);
	memcpy(b + 16, (const uint8_t[]){ 0x01, 0xf0, 0xff, 0xff }, 4); /* -4095 */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_OK);
	assert_int_equal(ack.err, 4095);
}

static void test_ext_msg_unterminated_and_long(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = hex(ACK_EXT, b, sizeof(b));
	struct hostcfg_nl_ack ack;
	b[n - 1] = 'X'; /* NLMSGERR_ATTR_MSG without its NUL */
	assert_int_equal(hostcfg_nl_parse_ack(b, n, 0x6b084623, &ack), HOSTCFG_NL_OK);
	assert_string_equal(ack.msg, "Egress device not specifiedX");
	/* A 150-byte message is cut to fit, still terminated. */
	size_t at = 0x58, mlen = 150;
	memset(b + at + 4, 'a', mlen);
	b[at] = (uint8_t)(4 + mlen);
	b[0] = (uint8_t)(at + 4 + mlen);
	assert_int_equal(hostcfg_nl_parse_ack(b, at + 4 + mlen, 0x6b084623, &ack), HOSTCFG_NL_OK);
	assert_int_equal(strlen(ack.msg), sizeof(ack.msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_dump_v4_v6),
		cmocka_unit_test(test_dump_done_is_ack),
		cmocka_unit_test(test_ack_eexist),
		cmocka_unit_test(test_ack_ext_msg),
		cmocka_unit_test(test_ack_capped_ok),
		cmocka_unit_test(test_ack_capped_ext_msg),
		cmocka_unit_test(test_ack_truncated_everywhere),
		cmocka_unit_test(test_addr_truncated_everywhere),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_link_stacked),
		cmocka_unit_test(test_link_malformed),
		cmocka_unit_test(test_addr_malformed),
		cmocka_unit_test(test_msg_framing),
		cmocka_unit_test(test_ack_errno_range),
		cmocka_unit_test(test_ext_msg_unterminated_and_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
