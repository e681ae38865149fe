/* DHCPv4 codec (RFC 2131 §2, §3; RFC 2132 options; RFC 951 BOOTP header): messages to host-order
 * structs and back, the DHCPDISCOVER of the detection probe, and the Ethernet + IPv4 + UDP wrapping
 * used on an AF_PACKET socket (the adapter has no IPv4 address). Pure: no I/O, no clock, no logs.
 * sname/file are ignored; option overload (52) rejects the message. */
#ifndef V6L_DHCP4_CODEC_H
#define V6L_DHCP4_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP4_CLIENT_PORT 68
#define DHCP4_SERVER_PORT 67
#define DHCP4_FIXED_LEN 236        /* op .. file, RFC 2131 §2 figure 1 */
#define DHCP4_MAGIC 0x63825363u     /* 99.130.83.99, RFC 2131 §3 */
#define DHCP4_MIN_LEN 300          /* built messages are padded to the BOOTP size (RFC 1542 §2.1) */
#define DHCP4_FLAG_BROADCAST 0x8000u /* RFC 2131 §2 figure 2 */
#define DHCP4_HTYPE_ETHER 1
#define DHCP4_CHADDR_LEN 16
#define DHCP4_MAX_ROUTERS 4
#define DHCP4_MAX_DNS 4
#define DHCP4_MAX_PRL 32
#define DHCP4_CLIENT_ID_MAX 64
#define DHCP4_DOMAIN_MAX 255       /* one option's worth (RFC 2132 §3.17), without the NUL */

enum dhcp4_op {
	DHCP4_BOOTREQUEST = 1,
	DHCP4_BOOTREPLY = 2,
};

/* RFC 2132 §9.6 */
enum dhcp4_msg_type {
	DHCP4_DISCOVER = 1,
	DHCP4_OFFER = 2,
	DHCP4_REQUEST = 3,
	DHCP4_DECLINE = 4,
	DHCP4_ACK = 5,
	DHCP4_NAK = 6,
	DHCP4_RELEASE = 7,
	DHCP4_INFORM = 8,
};

enum dhcp4_opt {
	DHCP4_OPT_PAD = 0,
	DHCP4_OPT_SUBNET_MASK = 1,
	DHCP4_OPT_ROUTER = 3,
	DHCP4_OPT_DNS = 6,
	DHCP4_OPT_DOMAIN_NAME = 15,
	DHCP4_OPT_REQUESTED_IP = 50,
	DHCP4_OPT_LEASE_TIME = 51,
	DHCP4_OPT_OVERLOAD = 52,
	DHCP4_OPT_MSG_TYPE = 53,
	DHCP4_OPT_SERVER_ID = 54,
	DHCP4_OPT_PRL = 55,
	DHCP4_OPT_CLIENT_ID = 61,
	DHCP4_OPT_END = 255,
};

enum dhcp4_err {
	DHCP4_E_OK = 0,
	DHCP4_E_SHORT,    /* shorter than the fixed header + magic cookie */
	DHCP4_E_HDR,      /* op not 1/2, or hlen > 16 */
	DHCP4_E_MAGIC,    /* no 99.130.83.99 cookie: plain BOOTP */
	DHCP4_E_OPTLEN,   /* an option runs past the message, or no End option */
	DHCP4_E_BADOPT,   /* message type, server id, lease time or requested IP with a bad length */
	DHCP4_E_DUP,      /* a fixed-size option appears twice */
	DHCP4_E_OVERLOAD, /* option 52: options in sname/file are not decoded */
	DHCP4_E_NOSPACE,  /* builder: output buffer too small or a field over its range */
	DHCP4_E_ETH,      /* frame: not Ethernet II carrying IPv4 */
	DHCP4_E_IP4,      /* frame: bad IPv4 header, checksum, fragment, or not UDP */
	DHCP4_E_PORT,     /* frame: not UDP 67 -> 68 */
	DHCP4_E_CSUM,     /* frame: bad UDP checksum or length */
};

/* Returns a static English description of e. */
const char *dhcp4_err_str(enum dhcp4_err e);
/* Returns the RFC 2132 name of a message type ("DHCPOFFER", ...) or "?". */
const char *dhcp4_msg_name(uint8_t type);

/* A decoded (or to-be-built) message. Host-order integers; IPv4 addresses as 4 bytes in wire
 * order; nothing points into a packet. Absent addresses are 0.0.0.0 with has_* false. */
struct dhcp4_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[DHCP4_CHADDR_LEN];
	uint8_t msg_type; /* 0 = absent */
	bool has_server_id, has_requested_ip, has_lease_time, has_subnet_mask;
	uint8_t server_id[4], requested_ip[4], subnet_mask[4];
	uint32_t lease_time_s; /* 0xffffffff = infinite (RFC 2132 §9.2) */
	uint8_t n_routers, n_dns;
	uint8_t routers[DHCP4_MAX_ROUTERS][4];
	uint8_t dns[DHCP4_MAX_DNS][4];
	char domain[DHCP4_DOMAIN_MAX + 1]; /* "" = absent */
	uint8_t client_id_len; /* 0 = absent */
	uint8_t client_id[DHCP4_CLIENT_ID_MAX];
	uint8_t n_prl;
	uint8_t prl[DHCP4_MAX_PRL];
	uint8_t n_skipped; /* info options dropped: malformed, or entries over a cap */
};

/* Parses buf[0..len) into *m (fully overwritten). Options after End are ignored. Returns
 * DHCP4_E_OK or the first error. */
enum dhcp4_err dhcp4_parse(const uint8_t *buf, size_t len, struct dhcp4_msg *m);
/* Builds *m into buf[0..cap): fixed header, cookie, then options 53, 61, 50, 54, 51, 1, 3, 6,
 * 15, 55 (each when present), End, zero padding up to DHCP4_MIN_LEN. Returns the length or -1. */
int dhcp4_build(const struct dhcp4_msg *m, uint8_t *buf, size_t cap);
/* Fills *m with the probe's DHCPDISCOVER: broadcast flag, chaddr = mac, client id 01+mac
 * (RFC 2132 §9.14), parameter request list 1, 3, 6, 15. */
void dhcp4_discover_init(struct dhcp4_msg *m, const uint8_t mac[6], uint32_t xid, uint16_t secs);

#define DHCP4_ETH_HDR_LEN 14
#define DHCP4_IP4_HDR_LEN 20
#define DHCP4_UDP_HDR_LEN 8
#define DHCP4_FRAME_HDR_LEN (DHCP4_ETH_HDR_LEN + DHCP4_IP4_HDR_LEN + DHCP4_UDP_HDR_LEN)

/* Wraps payload into Ethernet (src_mac -> ff:ff:ff:ff:ff:ff, type 0x0800) + IPv4 (0.0.0.0 ->
 * 255.255.255.255, TTL 64, header checksum) + UDP 68 -> 67 with its checksum (RFC 768), into
 * out[0..cap). Returns the frame length or -1. */
int dhcp4_build_frame(const uint8_t src_mac[6], const uint8_t *payload, size_t len, uint8_t *out,
	size_t cap);

struct dhcp4_frame {
	uint8_t dst_mac[6], src_mac[6];
	uint8_t src_ip[4], dst_ip[4];
	size_t payload_off, payload_len; /* the DHCP message inside the frame */
};

/* Checks an Ethernet frame[0..len) for IPv4 (header checksum, no fragment, options skipped) +
 * UDP 67 -> 68 (checksum verified when non-zero) and returns where the DHCP message lies.
 * Bytes past the IPv4 total length (Ethernet padding) are ignored. csum_partial: the kernel
 * flagged the frame TP_STATUS_CSUMNOTREADY (PACKET_AUXDATA): the sender's checksum offload left
 * only the pseudo-header sum in the UDP checksum field (seen on veth from a local dnsmasq), so
 * the UDP checksum is not verified; the IPv4 header checksum always is. */
enum dhcp4_err dhcp4_parse_frame(const uint8_t *frame, size_t len, bool csum_partial,
	struct dhcp4_frame *out);

#endif
