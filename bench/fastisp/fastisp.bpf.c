// SPDX-License-Identifier: GPL-2.0
/* fastisp.bpf.c - the data plane of the bench's PPPoE access concentrator (bench/fastisp), as two
 * tc programs on the middle namespace's veths: "decap" on the AC veth's ingress turns PPPoE
 * session frames carrying IPv4/IPv6 (PPP 0x0021/0x0057) into plain Ethernet frames redirected out
 * of the server veth; "encap" on the server veth's ingress adds Ethernet + PPPoE + PPP headers to
 * IP frames for the client and redirects them out of the AC veth. Everything else (discovery,
 * LCP/PAP/IPCP/IPv6CP, IPv6 to link-local or multicast addresses such as an RS) goes on to the
 * kernel, where fastisp_ctl.py reads it from its AF_PACKET sockets. A benchmark tool, not part
 * of v6link. Addresses, MACs, ifindexes and the session id are compile-time constants (-D...),
 * built by bench/line_rate.sh once the topology exists. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>

#ifndef SID
#error "build with -DSID=... (see bench/line_rate.sh)"
#endif

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

/* Helpers, called by their number (no libbpf headers needed). */
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;
static long (*bpf_skb_store_bytes)(struct __sk_buff *skb, __u32 off, const void *from, __u32 len,
				   __u64 flags) = (void *)BPF_FUNC_skb_store_bytes;
static long (*bpf_skb_change_head)(struct __sk_buff *skb, __u32 len,
				   __u64 flags) = (void *)BPF_FUNC_skb_change_head;
static long (*bpf_skb_vlan_push)(struct __sk_buff *skb, __u16 proto,
				 __u16 tci) = (void *)BPF_FUNC_skb_vlan_push;
static long (*bpf_skb_vlan_pop)(struct __sk_buff *skb) = (void *)BPF_FUNC_skb_vlan_pop;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

/* Per-program counters, read with `bpftool map dump` (line_rate.sh prints them). */
enum fisp_cnt {
	FISP_DECAP,       /* session frame -> IP frame out of the server veth */
	FISP_ENCAP,       /* IP frame -> session frame out of the AC veth */
	FISP_PASS,        /* left to the kernel (control frames, ARP/ND, the ceiling's IP) */
	FISP_DROP_BIG,    /* IP packet over 1492 bytes (or a GSO super-packet): cannot be sent */
	FISP_DROP_HELPER, /* a helper failed */
	FISP_OVER_1514,   /* frames longer than 1514 bytes seen (either path): GSO reached the wire */
	FISP_N_CNT,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FISP_N_CNT);
	__type(key, __u32);
	__type(value, __u64);
} fisp_cnt SEC(".maps");

static __attribute__((always_inline)) void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&fisp_cnt, &what);

	if (v)
		*v += 1;
}

#define ETH_HLEN 14
#define PPPOE_HLEN 8  /* ver/type, code, session id, length, PPP protocol */
#define PPPOE_MTU 1492

#define BE16(x) ((__u16)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))

/* MACs: CLI_MAC the client's (v6link's eth0), AC_MAC our AC veth, SRV_MAC the server's veth,
 * MID_MAC our server-side veth. They, the addresses and the ifindexes are used as immediates
 * (no .rodata: clang 14's BTF for it is refused by the kernel, which libbpf then reports). */

/* Session frames from the client. IPv6 to a link-local or multicast destination (RS, NS for DAD,
 * DHCPv6) stays a session frame for the control plane. */
SEC("decap") int fisp_decap(struct __sk_buff *skb)
{
	__u8 *p = (void *)(long)skb->data;
	__u8 *end = (void *)(long)skb->data_end;
	__u16 type;

	if (skb->len > 1514)
		count(FISP_OVER_1514);
	if (p + ETH_HLEN + PPPOE_HLEN + 20 > end)
		goto pass;
	if (p[12] != 0x88 || p[13] != 0x64 || p[14] != 0x11 || p[15] != 0)
		goto pass;
	if (((p[16] << 8) | p[17]) != SID)
		goto pass;
	if (p[20] == 0x00 && p[21] == 0x57) {
		const __u8 *dst = p + ETH_HLEN + PPPOE_HLEN + 24;

		if (p + ETH_HLEN + PPPOE_HLEN + 40 > end)
			goto pass;
		if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80))
			goto pass;
		type = 0x86dd;
	} else if (p[20] == 0x00 && p[21] == 0x21) {
		type = 0x0800;
	} else {
		goto pass;
	}
	/* bpf_skb_adjust_room() refuses skbs whose protocol is not IP, and skb->protocol is PPPoE
	 * here. Instead the 10 bytes from the ethertype to the PPP protocol are rewritten as two
	 * 802.1Q tags and the IP ethertype (8100 0000 8100 0000 type), and the VLAN helpers take
	 * them out: push, push (the first tag goes into the frame, skb->protocol becomes 802.1Q),
	 * then each pop clears the out-of-frame tag, takes the next in-frame one out, and moves
	 * the one after it out of the frame, setting skb->protocol from the ethertype behind;
	 * after the second pop the frame is Ethernet + IP, skb->protocol is IP and one
	 * out-of-frame tag is left, which the third pop clears. */
	__u8 tags[10] = {0x81, 0x00, 0, 0, 0x81, 0x00, 0, 0, type >> 8, type & 0xff};

	if (bpf_skb_store_bytes(skb, 12, tags, sizeof(tags), 0) ||
	    bpf_skb_vlan_push(skb, BE16(0x8100), 1) || bpf_skb_vlan_push(skb, BE16(0x8100), 2) ||
	    bpf_skb_vlan_pop(skb) || bpf_skb_vlan_pop(skb) || bpf_skb_vlan_pop(skb))
		goto fail;
	if (skb->protocol != BE16(type))
		goto fail;
	__u8 eth[12] = {SRV_MAC, MID_MAC};

	if (bpf_skb_store_bytes(skb, 0, eth, sizeof(eth), 0))
		goto fail;
	count(FISP_DECAP);
	return bpf_redirect(SRV_IFINDEX, 0);
pass:
	count(FISP_PASS);
	return TC_ACT_OK;
fail:
	count(FISP_DROP_HELPER);
	return TC_ACT_SHOT;
}

static __attribute__((always_inline)) int same(const __u8 *a, const __u8 *b, int n)
{
	int i, d = 0;

#pragma unroll
	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* IP frames from the server. Only those for the client's address (IPv4) or prefix (IPv6 /64)
 * are encapsulated; ARP, ND and the ceiling's traffic go on to the kernel. */
SEC("encap") int fisp_encap(struct __sk_buff *skb)
{
	__u8 *p = (void *)(long)skb->data;
	__u8 *end = (void *)(long)skb->data_end;
	__u32 ip_len;
	__u16 proto;

	if (skb->len > 1514)
		count(FISP_OVER_1514);
	if (p + ETH_HLEN + 20 > end)
		goto pass;
	if (p[12] == 0x08 && p[13] == 0x00) {
		const __u8 cli4[4] = {CLI_V4};

		if (!same(p + ETH_HLEN + 16, cli4, 4))
			goto pass;
		ip_len = (p[ETH_HLEN + 2] << 8) | p[ETH_HLEN + 3];
		proto = 0x0021;
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		const __u8 pfx6[8] = {CLI_PFX6};

		if (p + ETH_HLEN + 40 > end)
			goto pass;
		if (!same(p + ETH_HLEN + 24, pfx6, 8))
			goto pass;
		ip_len = 40 + ((p[ETH_HLEN + 4] << 8) | p[ETH_HLEN + 5]);
		proto = 0x0057;
	} else {
		goto pass;
	}
	/* A GSO super-packet has an IP length past 1492 too: the kernel cannot segment a PPPoE
	 * skb, so the server's veth runs with gso_max_segs 1 and anything larger is dropped. */
	if (ip_len > PPPOE_MTU || ip_len + ETH_HLEN > skb->len) {
		count(FISP_DROP_BIG);
		return TC_ACT_SHOT;
	}
	/* 8 more bytes in front, then a whole new 22-byte header over the old Ethernet header. */
	if (bpf_skb_change_head(skb, PPPOE_HLEN, 0))
		goto fail;
	__u8 h[ETH_HLEN + PPPOE_HLEN] = {CLI_MAC, AC_MAC, 0x88, 0x64, 0x11, 0x00, SID >> 8, SID & 0xff};

	h[18] = (ip_len + 2) >> 8; /* the PPPoE length counts the PPP protocol field */
	h[19] = (ip_len + 2) & 0xff;
	h[20] = proto >> 8;
	h[21] = proto & 0xff;
	if (bpf_skb_store_bytes(skb, 0, h, sizeof(h), 0))
		goto fail;
	count(FISP_ENCAP);
	return bpf_redirect(AC_IFINDEX, 0);
pass:
	count(FISP_PASS);
	return TC_ACT_OK;
fail:
	count(FISP_DROP_HELPER);
	return TC_ACT_SHOT;
}

char _license[] SEC("license") = "GPL";
