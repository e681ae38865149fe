/* NAT46 on a PPPoE session (issue #12): the translator's IPv6 packets go straight into the
 * session's encapsulation, built in the headroom in front of each packet, with one sendmmsg on
 * the session's AF_PACKET socket (the kernel serialises it with the uplink thread's sends), so
 * they never cross v6link0 and the kernel's routing twice. The same checks (check_traffic, MTU)
 * and counters as the uplink; the trace gets the frames through a ring of their own (tap_inj). */
#include "dp_int.h"

#include "core/clock.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define DP_INJ_CHUNK 64 /* messages per sendmmsg */

/* Whether the session carries a packet to dst: global unicast (RFC 4291 §2.4: 2000::/3) and
 * outside the session's own prefixes, whose addresses sit on this host or behind it (a
 * delegated prefix on the LAN); the kernel routes those. */
static bool dp_inj_is_session_dst(const struct dp_session *s, const uint8_t dst[16])
{
	if ((dst[0] & 0xe0) != 0x20)
		return false;
	for (unsigned i = 0; i < s->n_prefixes; i++)
		if (dp_prefix_match(&s->prefixes[i], dst))
			return false;
	return true;
}

/* Sends m[0..n) (frames f[0..n) of plen[0..n) IP bytes) and counts them; returns the number sent.
 * A message the kernel refuses is counted and skipped: it must not take the rest with it. */
static int dp_inj_send(struct dataplane *dp, struct mmsghdr *m, const size_t *plen, int n)
{
	int sent = 0, done = 0;
	uint64_t bytes = 0;
	bool tap = atomic_load_explicit(&dp->tap_data, memory_order_relaxed);
	while (done < n) {
		int k = sendmmsg(dp->sess_fd, m + done, (unsigned)(n - done), 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			dp_count_drop(&dp->tx, DP_DROP_IO);
			done++;
			continue;
		}
		for (int i = done; i < done + k; i++) {
			bytes += plen[i];
			if (tap) {
				const struct iovec *v = m[i].msg_hdr.msg_iov;
				dp_tap_push(dp, dp->tap_inj, v->iov_base, v->iov_len, false, 0);
			}
		}
		done += k;
		sent += k;
	}
	if (sent) {
		atomic_fetch_add_explicit(&dp->tx.packets, (uint64_t)sent, memory_order_relaxed);
		atomic_fetch_add_explicit(&dp->tx.bytes, bytes, memory_order_relaxed);
		atomic_store_explicit(&dp->tx.last_ms, clock_now_ms(), memory_order_relaxed);
	}
	return sent;
}

int dp_send6_batch(struct dataplane *dp, struct dp_tx6 *p, int n)
{
	struct mmsghdr m[DP_INJ_CHUNK];
	struct iovec iov[DP_INJ_CHUNK];
	size_t plen[DP_INJ_CHUNK];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = dp->ifindex };
	struct dp_session s;
	dp_snapshot(dp, &s);
	int k = 0, sent = 0;
	for (int i = 0; i < n; i++) {
		p[i].to_kernel = false;
		if (p[i].len >= 40 && !dp_inj_is_session_dst(&s, p[i].pkt + 24)) {
			p[i].to_kernel = true;
			continue;
		}
		uint16_t proto = 0;
		enum dp_drop d = dp_check_tx(&s, p[i].pkt, p[i].len, &proto);
		if (d == DP_DROP_NONE && proto != DP_PPP_IPV6)
			d = DP_DROP_MALFORMED;
		if (d != DP_DROP_NONE) {
			/* As the uplink: a packet while no session is up dials on demand. */
			if (d == DP_DROP_NO_SESSION && atomic_exchange(&dp->demand_armed, false))
				eventfd_write(dp->demand_efd, 1);
			dp_count_drop(&dp->tx, d);
			continue;
		}
		uint8_t *hdr = p[i].pkt - DP_HEADROOM;
		size_t start = dp_build_tx_hdr(&s, hdr, proto, p[i].len);
		iov[k] = (struct iovec){ hdr + start, DP_HEADROOM - start + p[i].len };
		m[k].msg_hdr = (struct msghdr){ .msg_name = &sll, .msg_namelen = sizeof(sll),
						.msg_iov = &iov[k], .msg_iovlen = 1 };
		plen[k++] = p[i].len;
		if (k == DP_INJ_CHUNK) {
			sent += dp_inj_send(dp, m, plen, k);
			k = 0;
		}
	}
	if (k)
		sent += dp_inj_send(dp, m, plen, k);
	return sent;
}
