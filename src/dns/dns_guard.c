/* The DNS proxy's closed surface (issue #13): who may ask, how fast, how large a UDP answer may
 * be, how long a TCP client may stay. Pure; the proxy's glue supplies the kernel's facts. */
#include "dns/dns_guard.h"

#include <string.h>

#include "dns/dns_codec.h"

const char *dns_guard_verdict_str(enum dns_guard_verdict v)
{
	switch (v) {
	case DNS_GUARD_OK: return "ok";
	case DNS_GUARD_SOURCE: return "source not the host";
	case DNS_GUARD_INGRESS: return "host source from another interface";
	case DNS_GUARD_UNKNOWN: return "no ingress information";
	}
	return "?";
}

static size_t dns_guard_alen(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

bool dns_guard_hosts_add(struct dns_guard_hosts *h, uint8_t family, const uint8_t *addr,
	uint32_t ifindex)
{
	if (h->n >= DNS_GUARD_HOSTS_MAX) {
		h->n_over++;
		return false;
	}
	h->a[h->n].family = family;
	memset(h->a[h->n].addr, 0, 16);
	memcpy(h->a[h->n].addr, addr, dns_guard_alen(family));
	h->a[h->n].ifindex = ifindex;
	h->n++;
	return true;
}

bool dns_guard_is_loopback(uint8_t family, const uint8_t *addr)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (family == 4)
		return addr[0] == 127;
	return memcmp(addr, lo6, 16) == 0 || (memcmp(addr, mapped, 12) == 0 && addr[12] == 127);
}

bool dns_guard_is_host(const struct dns_guard_hosts *h, uint8_t family, const uint8_t *addr)
{
	for (unsigned i = 0; i < h->n; i++)
		if (h->a[i].family == family &&
			memcmp(h->a[i].addr, addr, dns_guard_alen(family)) == 0)
			return true;
	return false;
}

/* Whether ifindex holds dst (the interface Linux reports for a packet the host sent itself). */
static bool dns_guard_holds(const struct dns_guard_hosts *h, uint8_t family, const uint8_t *dst,
	uint32_t ifindex)
{
	for (unsigned i = 0; i < h->n; i++)
		if (h->a[i].family == family && h->a[i].ifindex == ifindex &&
			memcmp(h->a[i].addr, dst, dns_guard_alen(family)) == 0)
			return true;
	return false;
}

enum dns_guard_verdict dns_guard_check(const struct dns_guard_hosts *h, uint32_t lo_ifindex,
	const struct dns_guard_pkt *pkt)
{
	/* A loopback source the kernel takes only from lo (unless route_localnet); a host
	 * address it refuses from outside for IPv4 (a martian unless accept_local), but not for
	 * IPv6: any LAN client can send a datagram from our IPv6 address, so datagrams are also
	 * held to the interface. */
	if (!dns_guard_is_loopback(pkt->family, pkt->src) &&
		!dns_guard_is_host(h, pkt->family, pkt->src))
		return DNS_GUARD_SOURCE;
	if (!pkt->has_ingress)
		return DNS_GUARD_OK;
	if (pkt->ifindex == 0)
		return DNS_GUARD_UNKNOWN;
	if (pkt->ifindex == lo_ifindex || dns_guard_holds(h, pkt->family, pkt->dst, pkt->ifindex))
		return DNS_GUARD_OK;
	return DNS_GUARD_INGRESS;
}

void dns_guard_rl_init(struct dns_guard_rl *rl, uint32_t rate_qps, uint32_t burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate_qps = rate_qps;
	rl->burst = burst ? burst : rate_qps;
}

/* The slot of a source: its own, or the least recently seen one, refilled to the burst. */
static unsigned dns_guard_rl_slot(struct dns_guard_rl *rl, uint8_t family, const uint8_t *addr,
	uint64_t now_ms)
{
	size_t alen = dns_guard_alen(family);
	unsigned old = 0, l = rl->last;
	if (l < DNS_GUARD_RL_SLOTS && rl->s[l].is_used && rl->s[l].family == family &&
		memcmp(rl->s[l].addr, addr, alen) == 0)
		return l;
	for (unsigned i = 0; i < DNS_GUARD_RL_SLOTS; i++) {
		if (rl->s[i].is_used && rl->s[i].family == family &&
			memcmp(rl->s[i].addr, addr, alen) == 0)
			return rl->last = i;
		if (!rl->s[i].is_used || (rl->s[old].is_used && rl->s[i].last_ms < rl->s[old].last_ms))
			old = i;
	}
	if (rl->s[old].is_used)
		rl->n_evicted++;
	rl->s[old].is_used = true;
	rl->s[old].family = family;
	memset(rl->s[old].addr, 0, 16);
	memcpy(rl->s[old].addr, addr, alen);
	rl->s[old].last_ms = now_ms;
	rl->s[old].milli_tokens = (uint64_t)rl->burst * 1000;
	return rl->last = old;
}

bool dns_guard_rl_take(struct dns_guard_rl *rl, uint8_t family, const uint8_t *addr,
	uint64_t now_ms)
{
	if (rl->rate_qps == 0)
		return true;
	unsigned i = dns_guard_rl_slot(rl, family, addr, now_ms);
	uint64_t cap = (uint64_t)rl->burst * 1000;
	uint64_t elapsed = now_ms > rl->s[i].last_ms ? now_ms - rl->s[i].last_ms : 0;
	/* rate_qps tokens a second are rate_qps milli-tokens a millisecond */
	if (elapsed >= cap / rl->rate_qps + 1)
		rl->s[i].milli_tokens = cap;
	else if (rl->s[i].milli_tokens + elapsed * rl->rate_qps > cap)
		rl->s[i].milli_tokens = cap;
	else
		rl->s[i].milli_tokens += elapsed * rl->rate_qps;
	if (now_ms > rl->s[i].last_ms)
		rl->s[i].last_ms = now_ms;
	if (rl->s[i].milli_tokens < 1000)
		return false;
	rl->s[i].milli_tokens -= 1000;
	return true;
}

size_t dns_guard_udp_limit(const struct dns_msg *q)
{
	size_t n = dns_udp_limit(q);
	return n < DNS_GUARD_UDP_MAX ? n : DNS_GUARD_UDP_MAX;
}

bool dns_guard_tcp_expired(uint64_t open_ms, uint64_t last_ms, bool is_busy, uint64_t idle_ms,
	uint64_t now_ms)
{
	uint64_t age = now_ms > open_ms ? now_ms - open_ms : 0;
	uint64_t idle = now_ms > last_ms ? now_ms - last_ms : 0;
	if (age >= DNS_GUARD_TCP_LIFE_MS + idle_ms)
		return true;
	if (is_busy)
		return false;
	return idle >= idle_ms || age >= DNS_GUARD_TCP_LIFE_MS;
}
