/* `v6link detect`; see detect.h. Everything goes through one AF_PACKET socket per adapter, so
 * no address is needed on it and nothing is configured. */
#include "engine/detect.h"

#include "cfg/cfg.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "engine/pkt_io.h"
#include "dhcp4/dhcp4_codec.h"
#include "dhcp6/dhcp6_codec.h"
#include "nd/nd_codec.h"
#include "pppoe/pppoe_codec.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DET_MAX_IF 8
#define DET_MAX_FOUND 4
#define DET_MAX_DNS4 2

struct det_ac {
	uint8_t mac[6];
	char name[PPPOE_STR_MAX + 1];
	uint8_t n_services;
	char services[PPPOE_MAX_SERVICES][PPPOE_STR_MAX + 1];
};

struct det_router {
	uint8_t addr[16];
	bool is_managed, is_other;
	uint16_t lifetime_s;
	uint8_t n_prefixes;
	struct nd_prefix_opt prefixes[4];
};

struct det_d6 {
	uint8_t src[16];
	struct dhcp6_duid server_id;
	uint8_t preference;
	bool has_na, has_pd;
};

struct det_d4 {
	uint8_t server[4], offered[4], router[4];
	bool has_router;
	uint8_t n_dns;
	uint8_t dns[DET_MAX_DNS4][4];
};

struct det_if {
	struct pkt_if eth;
	int fd;
	uint8_t ll[16];
	uint8_t host_uniq[8];
	uint32_t d6_xid, d4_xid;
	unsigned n_ac, n_rtr, n_d6, n_d4;
	struct det_ac ac[DET_MAX_FOUND];
	struct det_router rtr[DET_MAX_FOUND];
	struct det_d6 d6[DET_MAX_FOUND];
	struct det_d4 d4[DET_MAX_FOUND];
};

struct det {
	struct det_if ifs[DET_MAX_IF];
	unsigned n_if;
	struct v6l_rng rng;
	const struct cfg_param *param;
	unsigned timeout_ms, tries;
	struct loop *loop;
	struct loop_timer timer;
	unsigned round, wait_ms;
	bool answered_before, is_done;
	const struct det_run *run;    /* `run`: settle early (NULL: `detect` reports everything) */
	bool is_settled;              /* run->settled was called */
	int settled_if;               /* its adapter; only DHCPv4 is watched there after that */
	struct loop_timer grace_timer;
	bool has_grace;
	uint64_t t0_ms, elapsed_ms;
	void (*done_cb)(void *ctx);
	void *done_ctx;
};

/* --- sending --- */

static void det_send_eth(struct det_if *d, const uint8_t dst[6], uint16_t ethertype,
			 const uint8_t *payload, size_t len)
{
	uint8_t frame[1600];
	struct pppoe_eth_hdr h = { .ethertype = ethertype };
	memcpy(h.dst, dst, 6);
	memcpy(h.src, d->eth.mac, 6);
	int hl = pppoe_eth_build(&h, frame, sizeof(frame));
	if (hl < 0 || len > sizeof(frame) - (size_t)hl)
		return;
	memcpy(frame + hl, payload, len);
	pkt_send(d->fd, d->eth.ifindex, frame, (size_t)hl + len);
}

static void det_send_padi(struct det_if *d)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static struct pppoe_disc_pkt p;
	uint8_t buf[1500];
	memset(&p, 0, sizeof(p));
	p.code = PPPOE_CODE_PADI;
	p.n_services = 1; /* an empty Service-Name: any service (RFC 2516 §5.1) */
	p.has_host_uniq = true;
	p.host_uniq_len = sizeof(d->host_uniq);
	memcpy(p.host_uniq, d->host_uniq, sizeof(d->host_uniq));
	int n = pppoe_disc_build(&p, buf, sizeof(buf));
	if (n > 0)
		det_send_eth(d, bcast, PPPOE_ETHERTYPE_DISC, buf, (size_t)n);
}

static void det_send_rs(struct det_if *d)
{
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
	static const uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 0x02 };
	uint8_t rs[16], pkt[128];
	int n = nd_build_rs(rs, sizeof(rs));
	if (n > 0)
		n = nd_build_ipv6_icmp(d->ll, all_routers, rs, (size_t)n, pkt, sizeof(pkt));
	if (n > 0)
		det_send_eth(d, mac, ETH_P_IPV6, pkt, (size_t)n);
}

static void det_send_solicit(struct det_if *d)
{
	static const uint8_t all_dhcp[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };
	static const uint8_t mac[6] = { 0x33, 0x33, 0, 1, 0, 2 };
	static struct dhcp6_msg m;
	uint8_t msg[512], pkt[600];
	memset(&m, 0, sizeof(m));
	m.type = DHCP6_SOLICIT;
	m.xid = d->d6_xid;
	dhcp6_duid_ll(&m.client_id, d->eth.mac);
	m.has_elapsed = true;
	m.n_ia = 2;
	m.ia[0].type = DHCP6_OPT_IA_NA;
	m.ia[1].type = DHCP6_OPT_IA_PD;
	m.ia[0].iaid = m.ia[1].iaid = 1;
	m.n_oro = 1;
	m.oro[0] = DHCP6_OPT_DNS_SERVERS;
	int n = dhcp6_build(&m, msg, sizeof(msg));
	if (n > 0)
		n = dhcp6_build_udp6(d->ll, all_dhcp, 546, 547, msg, (size_t)n, pkt, sizeof(pkt));
	if (n > 0)
		det_send_eth(d, mac, ETH_P_IPV6, pkt, (size_t)n);
}

/* A DHCPv4 DISCOVER only: detection never sends a REQUEST, so no lease is ever taken. */
static void det_send_discover(struct det_if *d)
{
	static struct dhcp4_msg m;
	uint8_t msg[600], frame[700];
	dhcp4_discover_init(&m, d->eth.mac, d->d4_xid, 0);
	int n = dhcp4_build(&m, msg, sizeof(msg));
	if (n > 0)
		n = dhcp4_build_frame(d->eth.mac, msg, (size_t)n, frame, sizeof(frame));
	if (n > 0)
		pkt_send(d->fd, d->eth.ifindex, frame, (size_t)n);
}

static void det_send_all(struct det_if *d)
{
	det_send_padi(d);
	det_send_rs(d);
	det_send_solicit(d);
	det_send_discover(d);
}

/* --- receiving --- */

static void det_on_pado(struct det_if *d, const struct pppoe_eth_hdr *h, const uint8_t *p, size_t n)
{
	static struct pppoe_disc_pkt pk;
	if (pppoe_disc_parse(p, n, &pk) != PPPOE_E_OK || pk.code != PPPOE_CODE_PADO ||
	    memcmp(h->dst, d->eth.mac, 6) != 0)
		return;
	/* RFC 2516 §5.2: an answer to our PADI carries our Host-Uniq back. */
	if (!pk.has_host_uniq || pk.host_uniq_len != sizeof(d->host_uniq) ||
	    memcmp(pk.host_uniq, d->host_uniq, sizeof(d->host_uniq)) != 0)
		return;
	for (unsigned i = 0; i < d->n_ac; i++)
		if (!memcmp(d->ac[i].mac, h->src, 6) && !strcmp(d->ac[i].name, pk.ac_name))
			return;
	if (d->n_ac == DET_MAX_FOUND)
		return;
	struct det_ac *a = &d->ac[d->n_ac++];
	memcpy(a->mac, h->src, 6);
	snprintf(a->name, sizeof(a->name), "%s", pk.ac_name);
	a->n_services = pk.n_services;
	memcpy(a->services, pk.services, sizeof(a->services));
}

static void det_on_ra(struct det_if *d, const struct nd_ip6_hdr *ip, struct rcur icmp)
{
	static struct nd_ra_msg ra;
	if (rcur_left(&icmp) < 1 || icmp.p[0] != 134 ||
	    nd_parse_ra(icmp.p, rcur_left(&icmp), ip, &ra) != ND_E_OK)
		return;
	for (unsigned i = 0; i < d->n_rtr; i++)
		if (!memcmp(d->rtr[i].addr, ip->src, 16))
			return;
	if (d->n_rtr == DET_MAX_FOUND)
		return;
	struct det_router *r = &d->rtr[d->n_rtr++];
	memcpy(r->addr, ip->src, 16);
	r->is_managed = ra.is_managed;
	r->is_other = ra.is_other;
	r->lifetime_s = ra.router_lifetime_s;
	r->n_prefixes = ra.n_prefixes < 4 ? ra.n_prefixes : 4;
	memcpy(r->prefixes, ra.prefixes, sizeof(r->prefixes[0]) * r->n_prefixes);
}

static void det_on_dhcp6(struct det_if *d, const uint8_t *pkt, size_t n, bool csum_partial)
{
	static struct dhcp6_msg m;
	struct dhcp6_udp6 u;
	if (dhcp6_parse_udp6_csum(pkt, n, csum_partial, &u) != DHCP6_E_OK ||
	    dhcp6_parse(pkt + u.payload_off, u.payload_len, &m) != DHCP6_E_OK ||
	    m.type != DHCP6_ADVERTISE || m.xid != d->d6_xid || !m.server_id.len)
		return;
	for (unsigned i = 0; i < d->n_d6; i++)
		if (d->d6[i].server_id.len == m.server_id.len &&
		    !memcmp(d->d6[i].server_id.b, m.server_id.b, m.server_id.len))
			return;
	if (d->n_d6 == DET_MAX_FOUND)
		return;
	struct det_d6 *s = &d->d6[d->n_d6++];
	memcpy(s->src, u.src, 16);
	s->server_id = m.server_id;
	s->preference = m.has_preference ? m.preference : 0;
	for (unsigned i = 0; i < m.n_ia; i++) {
		if (m.ia[i].n_addrs && m.ia[i].type == DHCP6_OPT_IA_NA)
			s->has_na = true;
		if (m.ia[i].n_addrs && m.ia[i].type == DHCP6_OPT_IA_PD)
			s->has_pd = true;
	}
}

static void det_on_ipv6(struct det_if *d, const uint8_t *p, size_t n, bool csum_partial)
{
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	if (n >= 40 && p[6] == 17) {
		det_on_dhcp6(d, p, n, csum_partial);
		return;
	}
	if (nd_parse_ipv6_icmp(p, n, &ip, &icmp) == ND_E_OK)
		det_on_ra(d, &ip, icmp);
}

static void det_on_ipv4(struct det_if *d, const uint8_t *f, size_t n, bool csum_partial)
{
	static struct dhcp4_msg m;
	struct dhcp4_frame fr;
	if (dhcp4_parse_frame(f, n, csum_partial, &fr) != DHCP4_E_OK ||
	    dhcp4_parse(f + fr.payload_off, fr.payload_len, &m) != DHCP4_E_OK)
		return;
	/* RFC 2131 §4.1: an answer to us carries our xid and hardware address; §4.3.1: an OFFER
	 * names its server. */
	if (m.op != 2 || m.msg_type != DHCP4_OFFER || m.xid != d->d4_xid || !m.has_server_id ||
	    memcmp(m.chaddr, d->eth.mac, 6) != 0)
		return;
	for (unsigned i = 0; i < d->n_d4; i++)
		if (!memcmp(d->d4[i].server, m.server_id, 4))
			return;
	if (d->n_d4 == DET_MAX_FOUND)
		return;
	struct det_d4 *o = &d->d4[d->n_d4++];
	memcpy(o->server, m.server_id, 4);
	memcpy(o->offered, m.yiaddr, 4);
	o->has_router = m.n_routers > 0;
	if (o->has_router)
		memcpy(o->router, m.routers[0], 4);
	for (unsigned i = 0; i < m.n_dns && o->n_dns < DET_MAX_DNS4; i++)
		memcpy(o->dns[o->n_dns++], m.dns[i], 4);
}

static void det_on_frame(struct det_if *d, const uint8_t *f, size_t n, bool csum_partial)
{
	struct pppoe_eth_hdr h;
	size_t off;
	if (pppoe_eth_parse(f, n, &h, &off) != PPPOE_E_OK)
		return;
	switch (h.ethertype) {
	case PPPOE_ETHERTYPE_DISC:
		det_on_pado(d, &h, f + off, n - off);
		break;
	case ETH_P_IPV6:
		det_on_ipv6(d, f + off, n - off, csum_partial);
		break;
	case ETH_P_IP:
		det_on_ipv4(d, f, n, csum_partial);
		break;
	default:
		break;
	}
}

/* --- adapters --- */

bool det_passthrough(const struct cfg_param *p, const char *ifname)
{
	for (unsigned i = 0; i < p->n_passthrough; i++)
		if (strstr(ifname, p->passthrough[i]))
			return true;
	return false;
}

int det_sys_int(const char *ifname, const char *attr)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] ? (int)strtol(buf, NULL, 0) : -1;
}

bool det_adapter_is_ethernet_up(const char *ifname)
{
	/* type 1 = ARPHRD_ETHER; flags bit 0 = IFF_UP */
	int flags = det_sys_int(ifname, "flags");
	return det_sys_int(ifname, "type") == 1 && flags >= 0 && (flags & 1);
}

static int det_open(struct det *dt, const char *name)
{
	struct det_if *d = &dt->ifs[dt->n_if];
	memset(d, 0, sizeof(*d));
	if (pkt_if_lookup(name, &d->eth) < 0) {
		fprintf(stderr, "v6link: detect: no adapter '%s'\n", name);
		return -1;
	}
	/* Every ethertype, untagged; PACKET_AUXDATA tells when a local sender with checksum
	 * offload left a UDP checksum unfinished. */
	d->fd = pkt_open(d->eth.ifindex, ETH_P_ALL, false);
	if (d->fd < 0) {
		fprintf(stderr, "v6link: detect: %s: %s\n", name, strerror(errno));
		return -1;
	}
	/* The kernel's link-local (EUI-64): probes need a source, and v6link must not add one. */
	nd_eui64_link_local(d->eth.mac, d->ll);
	rng_bytes(&dt->rng, d->host_uniq, sizeof(d->host_uniq));
	d->d6_xid = rng_u32(&dt->rng) & 0xffffff;
	d->d4_xid = rng_u32(&dt->rng);
	dt->n_if++;
	return 0;
}

bool det_has_ipv4_default(const char *ifname)
{
	char line[256], ifn[32];
	unsigned long dst, mask;
	bool found = false;
	FILE *f = fopen("/proc/net/route", "r");
	if (!f)
		return false;
	/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... (hexadecimal) */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%31s %lx %*x %*x %*d %*d %*d %lx", ifn, &dst, &mask) == 3 &&
			!strcmp(ifn, ifname) && dst == 0 && mask == 0;
	fclose(f);
	return found;
}

int det_pick_adapter(const struct cfg_param *p, char out[16])
{
	DIR *dir = opendir("/sys/class/net");
	struct dirent *e;
	int rc = -1;
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= 16)
			continue;
		if (!det_adapter_is_ethernet_up(e->d_name) || det_passthrough(p, e->d_name))
			continue;
		if (rc == 0 && strcmp(e->d_name, out) > 0)
			continue;
		snprintf(out, 16, "%s", e->d_name);
		rc = 0;
	}
	closedir(dir);
	return rc;
}

/* Every Ethernet adapter that is up and not matched by [passthrough]. */
static int det_open_all(struct det *dt)
{
	DIR *dir = opendir("/sys/class/net");
	struct dirent *e;
	if (!dir)
		return -1;
	while ((e = readdir(dir)) && dt->n_if < DET_MAX_IF) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= IF_NAMESIZE)
			continue;
		if (!det_adapter_is_ethernet_up(e->d_name))
			continue;
		if (det_passthrough(dt->param, e->d_name)) {
			fprintf(stderr, "v6link: detect: %s skipped ([passthrough])\n", e->d_name);
			continue;
		}
		det_open(dt, e->d_name);
	}
	closedir(dir);
	return 0;
}

/* --- probing --- */

static bool det_any(const struct det_if *d)
{
	return d->n_ac || d->n_rtr || d->n_d6 || d->n_d4;
}

static bool det_any_all(const struct det *dt)
{
	for (unsigned i = 0; i < dt->n_if; i++)
		if (det_any(&dt->ifs[i]))
			return true;
	return false;
}

/* An access concentrator the connection would dial: its AC-Name contains ac= and it offers
 * serv= (RFC 2516 §5.2: an empty Service-Name in the PADI means any). */
static bool det_ac_acceptable(const struct det *dt, const struct det_ac *a)
{
	if (dt->run->ac_filter && dt->run->ac_filter[0] && !strstr(a->name, dt->run->ac_filter))
		return false;
	if (!dt->run->service || !dt->run->service[0])
		return true;
	for (unsigned k = 0; k < a->n_services; k++)
		if (!strcmp(a->services[k], dt->run->service))
			return true;
	return false;
}

static int det_find_ac(const struct det *dt)
{
	for (unsigned i = 0; i < dt->n_if; i++)
		for (unsigned k = 0; k < dt->ifs[i].n_ac; k++)
			if (det_ac_acceptable(dt, &dt->ifs[i].ac[k]))
				return (int)i;
	return -1;
}

static void det_finish(struct det *dt)
{
	dt->is_done = true;
	dt->elapsed_ms = clock_now_ms() - dt->t0_ms;
	loop_timer_stop(dt->loop, &dt->timer);
	loop_timer_stop(dt->loop, &dt->grace_timer);
	for (unsigned i = 0; i < dt->n_if; i++)
		loop_del_fd(dt->loop, dt->ifs[i].fd);
	if (dt->done_cb)
		dt->done_cb(dt->done_ctx);
}

static void det_settle(struct det *dt, int i, enum det_mode m, const char *what)
{
	char why[256];
	dt->is_settled = true;
	dt->settled_if = i;
	dt->elapsed_ms = clock_now_ms() - dt->t0_ms;
	snprintf(why, sizeof(why), "%s on %s (detected in %.1f s)", what, dt->ifs[i].eth.name,
		 (double)dt->elapsed_ms / 1000.0);
	dt->run->settled(dt->done_ctx, m, dt->ifs[i].eth.name, why);
}

/* run: the first acceptable PADO settles PPPoE at once (mixed or not is for the DHCPv4 probe to
 * tell, later); an IPv6 router or DHCPv6 server settles router mode once a PADO has had the
 * grace time to come too. Returns true when detection has nothing left to find. */
static bool det_check_settled(struct det *dt)
{
	if (dt->is_settled)
		return !dt->param->allow_mixed_mode || dt->ifs[dt->settled_if].n_d4;
	int i = det_find_ac(dt);
	if (i >= 0) {
		bool mixed = dt->param->allow_mixed_mode && dt->ifs[i].n_d4;
		det_settle(dt, i, mixed ? DET_MIXED : DET_DIALUP,
			   mixed ? "an access concentrator answered and so did a DHCPv4 server"
				 : "an access concentrator answered the PADI");
		return !dt->param->allow_mixed_mode || mixed;
	}
	for (unsigned k = 0; !dt->has_grace && k < dt->n_if; k++)
		if (dt->ifs[k].n_rtr || dt->ifs[k].n_d6) {
			dt->has_grace = true;
			loop_timer_set(dt->loop, &dt->grace_timer, clock_now_ms() + dt->run->grace_ms);
		}
	return false;
}

static void det_on_grace(void *arg, uint64_t now)
{
	struct det *dt = arg;
	(void)now;
	if (dt->is_settled || dt->is_done)
		return;
	for (unsigned i = 0; i < dt->n_if; i++) {
		const struct det_if *d = &dt->ifs[i];
		if (!d->n_rtr && !d->n_d6)
			continue;
		det_settle(dt, (int)i, DET_ROUTER, d->n_rtr ? "an IPv6 router answered the Router "
			   "Solicitation" : "a DHCPv6 server answered the Solicit");
		det_finish(dt);
		return;
	}
}

static void det_on_readable(void *arg, int fd, uint32_t ev)
{
	struct det *dt = arg;
	uint8_t f[2048];
	bool has_vlan, csum_partial;
	uint16_t tci;
	ssize_t n;
	(void)ev;
	for (unsigned i = 0; i < dt->n_if; i++) {
		if (dt->ifs[i].fd != fd)
			continue;
		while ((n = pkt_recv(fd, f, sizeof(f), &has_vlan, &tci, &csum_partial)) > 0)
			if (!has_vlan)
				det_on_frame(&dt->ifs[i], f, (size_t)n, csum_partial);
	}
	if (!dt->is_done && dt->run && det_check_settled(dt))
		det_finish(dt);
}

static void det_round(struct det *dt, uint64_t now)
{
	/* Settled on PPPoE: only the DHCPv4 question is left, on that adapter. */
	if (dt->is_settled)
		det_send_discover(&dt->ifs[dt->settled_if]);
	for (unsigned i = 0; !dt->is_settled && i < dt->n_if; i++)
		det_send_all(&dt->ifs[i]);
	loop_timer_set(dt->loop, &dt->timer, now + dt->wait_ms);
}

/* Rounds of probes with the dial string's timing: to= ms, doubled each try, tr= tries. Once
 * something has answered, one more round is waited for the slower kinds (dnsmasq probes an
 * address for about 3 s before it offers it), then detection ends. */
static void det_on_round_end(void *arg, uint64_t now)
{
	struct det *dt = arg;
	bool any = det_any_all(dt);
	dt->round++;
	if ((any && dt->answered_before) || dt->round >= dt->tries) {
		det_finish(dt);
		return;
	}
	dt->answered_before = any;
	dt->wait_ms *= 2;
	det_round(dt, now);
}

struct det *det_new(const struct cfg_param *p, unsigned timeout_ms, unsigned tries)
{
	struct det *dt = calloc(1, sizeof(*dt));
	if (!dt)
		return NULL;
	dt->param = p;
	dt->timeout_ms = timeout_ms ? timeout_ms : 2000;
	dt->tries = tries ? tries : 3;
	if (rng_init_secure(&dt->rng) < 0) {
		free(dt);
		return NULL;
	}
	return dt;
}

int det_add_if(struct det *dt, const char *ifname)
{
	if (dt->n_if == DET_MAX_IF)
		return 0;
	return det_open(dt, ifname);
}

int det_add_all(struct det *dt)
{
	return det_open_all(dt);
}

unsigned det_n_if(const struct det *dt)
{
	return dt->n_if;
}

int det_start(struct det *dt, struct loop *l, const struct det_run *run, void (*done)(void *),
	      void *ctx)
{
	dt->loop = l;
	dt->run = run;
	dt->is_settled = dt->has_grace = false;
	loop_timer_init(&dt->grace_timer, det_on_grace, dt);
	dt->done_cb = done;
	dt->done_ctx = ctx;
	dt->round = 0;
	dt->answered_before = false;
	dt->is_done = false;
	dt->wait_ms = dt->timeout_ms;
	dt->t0_ms = clock_now_ms();
	loop_timer_init(&dt->timer, det_on_round_end, dt);
	for (unsigned i = 0; i < dt->n_if; i++)
		if (loop_add_fd(l, dt->ifs[i].fd, EPOLLIN, det_on_readable, dt) < 0)
			return -1;
	det_round(dt, dt->t0_ms);
	return 0;
}

void det_free(struct det *dt)
{
	if (!dt)
		return;
	if (dt->loop && !dt->is_done) {
		loop_timer_stop(dt->loop, &dt->timer);
		loop_timer_stop(dt->loop, &dt->grace_timer);
		for (unsigned i = 0; i < dt->n_if; i++)
			loop_del_fd(dt->loop, dt->ifs[i].fd);
	}
	for (unsigned i = 0; i < dt->n_if; i++)
		close(dt->ifs[i].fd);
	free(dt);
}

/* --- result --- */

static const char *const det_mode_names[] = {
	[DET_NONE] = "none", [DET_DIALUP] = "dial-up", [DET_MIXED] = "mixed", [DET_ROUTER] = "router",
};

const char *det_mode_name(enum det_mode m)
{
	return det_mode_names[m];
}

static enum det_mode det_mode(const struct det *dt, const struct det_if *d, const char **why)
{
	if (d->n_ac && d->n_d4 && dt->param->allow_mixed_mode) {
		*why = "an access concentrator answered and so did a DHCPv4 server (allow_mixed_mode=1)";
		return DET_MIXED;
	}
	if (d->n_ac) {
		*why = "an access concentrator answered the PADI";
		return DET_DIALUP;
	}
	if (d->n_rtr || d->n_d6) {
		*why = d->n_rtr ? "an IPv6 router answered the Router Solicitation"
				: "a DHCPv6 server answered the Solicit";
		return DET_ROUTER;
	}
	*why = "nothing answered";
	return DET_NONE;
}

static const char *det_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static void det_text_if(const struct det *dt, const struct det_if *d, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN], m[18];
	const char *why;
	const char *mode = det_mode_name(det_mode(dt, d, &why));
	sb_printf(sb, "%s (%s): %s -- %s\n", d->eth.name, det_mac(d->eth.mac, m), mode, why);
	for (unsigned i = 0; i < d->n_ac; i++) {
		sb_printf(sb, "  PPPoE AC     '%s' at %s, services:", d->ac[i].name,
			  det_mac(d->ac[i].mac, m));
		for (unsigned k = 0; k < d->ac[i].n_services; k++)
			sb_printf(sb, " '%s'", d->ac[i].services[k]);
		sb_printf(sb, "\n");
	}
	for (unsigned i = 0; i < d->n_rtr; i++) {
		const struct det_router *r = &d->rtr[i];
		sb_printf(sb, "  IPv6 router  %s (lifetime %u s, M=%d O=%d)",
			  inet_ntop(AF_INET6, r->addr, a, sizeof(a)), r->lifetime_s, r->is_managed,
			  r->is_other);
		for (unsigned k = 0; k < r->n_prefixes; k++)
			sb_printf(sb, " %s/%u", inet_ntop(AF_INET6, r->prefixes[k].prefix, a, sizeof(a)),
				  r->prefixes[k].plen);
		sb_printf(sb, "\n");
	}
	for (unsigned i = 0; i < d->n_d6; i++)
		sb_printf(sb, "  DHCPv6       %s (preference %u%s%s)\n",
			  inet_ntop(AF_INET6, d->d6[i].src, a, sizeof(a)), d->d6[i].preference,
			  d->d6[i].has_na ? ", offers addresses" : "",
			  d->d6[i].has_pd ? ", offers prefixes" : "");
	for (unsigned i = 0; i < d->n_d4; i++)
		sb_printf(sb, "  DHCPv4       %s offers %s\n",
			  inet_ntop(AF_INET, d->d4[i].server, a, sizeof(a)),
			  inet_ntop(AF_INET, d->d4[i].offered, m, sizeof(m)));
}

static void det_json_if(const struct det *dt, const struct det_if *d, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN], m[18];
	const char *why;
	const char *mode = det_mode_name(det_mode(dt, d, &why));
	sb_printf(sb, "{\"adapter\":\"%s\",\"mac\":\"%s\",\"mode\":\"%s\",\"reason\":\"%s\","
		      "\"access_concentrators\":[", d->eth.name, det_mac(d->eth.mac, m), mode, why);
	for (unsigned i = 0; i < d->n_ac; i++) {
		sb_printf(sb, "%s{\"ac_name\":", i ? "," : "");
		sb_json_str(sb, d->ac[i].name);
		sb_printf(sb, ",\"mac\":\"%s\",\"services\":[", det_mac(d->ac[i].mac, m));
		for (unsigned k = 0; k < d->ac[i].n_services; k++) {
			sb_printf(sb, k ? "," : "");
			sb_json_str(sb, d->ac[i].services[k]);
		}
		sb_printf(sb, "]}");
	}
	sb_printf(sb, "],\"routers\":[");
	for (unsigned i = 0; i < d->n_rtr; i++) {
		const struct det_router *r = &d->rtr[i];
		sb_printf(sb, "%s{\"address\":\"%s\",\"lifetime\":%u,\"managed\":%s,\"other\":%s,"
			      "\"prefixes\":[", i ? "," : "", inet_ntop(AF_INET6, r->addr, a, sizeof(a)),
			  r->lifetime_s, r->is_managed ? "true" : "false", r->is_other ? "true" : "false");
		for (unsigned k = 0; k < r->n_prefixes; k++)
			sb_printf(sb, "%s\"%s/%u\"", k ? "," : "",
				  inet_ntop(AF_INET6, r->prefixes[k].prefix, a, sizeof(a)),
				  r->prefixes[k].plen);
		sb_printf(sb, "]}");
	}
	sb_printf(sb, "],\"dhcpv6_servers\":[");
	for (unsigned i = 0; i < d->n_d6; i++)
		sb_printf(sb, "%s{\"address\":\"%s\",\"preference\":%u,\"addresses\":%s,\"prefixes\":%s}",
			  i ? "," : "", inet_ntop(AF_INET6, d->d6[i].src, a, sizeof(a)),
			  d->d6[i].preference, d->d6[i].has_na ? "true" : "false",
			  d->d6[i].has_pd ? "true" : "false");
	sb_printf(sb, "],\"dhcpv4_servers\":[");
	for (unsigned i = 0; i < d->n_d4; i++)
		sb_printf(sb, "%s{\"server\":\"%s\",\"offered\":\"%s\"}", i ? "," : "",
			  inet_ntop(AF_INET, d->d4[i].server, a, sizeof(a)),
			  inet_ntop(AF_INET, d->d4[i].offered, m, sizeof(m)));
	sb_printf(sb, "]}");
}

/* Prefers an adapter with an access concentrator (dial-up or mixed), then one with an IPv6
 * router or DHCPv6 server, in the order the adapters were added. */
enum det_mode det_choose(const struct det *dt, char ifname[16], char *why, size_t cap)
{
	static const enum det_mode order[] = { DET_MIXED, DET_DIALUP, DET_ROUTER };
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (unsigned i = 0; i < dt->n_if; i++) {
			const char *w;
			if (det_mode(dt, &dt->ifs[i], &w) != order[k])
				continue;
			snprintf(ifname, 16, "%s", dt->ifs[i].eth.name);
			snprintf(why, cap, "%s on %s (detected in %.1f s)", w, dt->ifs[i].eth.name,
				 (double)dt->elapsed_ms / 1000.0);
			return order[k];
		}
	}
	snprintf(why, cap, "nothing answered on %u adapter(s) in %.1f s", dt->n_if,
		 (double)dt->elapsed_ms / 1000.0);
	return DET_NONE;
}

void det_report(const struct det *dt, bool json, struct strbuf *sb)
{
	if (json)
		sb_printf(sb, "{\"elapsed_ms\":%llu,\"adapters\":[",
			  (unsigned long long)dt->elapsed_ms);
	for (unsigned i = 0; i < dt->n_if; i++) {
		if (json)
			sb_printf(sb, i ? "," : "");
		(json ? det_json_if : det_text_if)(dt, &dt->ifs[i], sb);
	}
	if (json)
		sb_printf(sb, "]}\n");
	else
		sb_printf(sb, "(probed in %.1f s)\n", (double)dt->elapsed_ms / 1000.0);
}

bool det_lan_ipv4(const struct det *dt, const char *ifname, uint8_t dns[][4], unsigned *n_dns,
		  unsigned cap)
{
	*n_dns = 0;
	for (unsigned i = 0; i < dt->n_if; i++) {
		const struct det_if *d = &dt->ifs[i];
		if (strcmp(d->eth.name, ifname) != 0 || !d->n_d4)
			continue;
		for (unsigned k = 0; k < d->d4[0].n_dns && *n_dns < cap; k++)
			memcpy(dns[(*n_dns)++], d->d4[0].dns[k], 4);
		return true;
	}
	return false;
}
