/* hostcfg-smoke: applies a dial-up style configuration to a fresh TUN through the undo list,
 * checks it with an address dump (and an optional shell hook), undoes it all and checks again.
 * Usage: hostcfg-smoke IFNAME [BEFORE_UNDO_CMD [AFTER_UNDO_CMD]]; run it in a throwaway netns. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "hostcfg/hostcfg.h"
#include "hostcfg/nl.h"
#include "hostcfg/sys.h"
#include "hostcfg/tun.h"

struct smoke_seen {
	unsigned n_v4, n_v6_ours;
};

static void smoke_on_addr(const struct hostcfg_addr_info *ai, void *arg)
{
	struct smoke_seen *s = arg;
	char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN] = "";
	inet_ntop(ai->family, ai->addr, a, sizeof(a));
	if (ai->has_peer)
		inet_ntop(ai->family, ai->peer, p, sizeof(p));
	printf("  addr %s/%u%s%s flags 0x%x valid %u pref %u\n", a, ai->plen, ai->has_peer ? " peer " : "",
		p, ai->flags, ai->valid_s, ai->pref_s);
	if (ai->family == AF_INET && strcmp(a, "100.64.0.10") == 0 && strcmp(p, "100.64.0.1") == 0)
		s->n_v4++;
	if (ai->family == AF_INET6 && (strcmp(a, "fe80::1234") == 0 || strcmp(a, "2001:db8:1::1234") == 0))
		s->n_v6_ours++;
}

static struct smoke_seen smoke_dump(const char *ifname, uint32_t ifindex)
{
	struct smoke_seen s = { 0 };
	printf("addresses on %s:\n", ifname);
	if (hostcfg_list_addrs(AF_UNSPEC, ifindex, smoke_on_addr, &s) < 0)
		printf("  dump failed: %s\n", strerror(errno));
	return s;
}

static int smoke_apply(struct hostcfg *hc, const char *ifname)
{
	uint8_t v4[4], v4peer[4], v4any[4] = { 0 }, ll[16], gua[16], pfx[16], srcp[16], any6[16] = { 0 };
	char path[96];
	inet_pton(AF_INET, "100.64.0.10", v4);
	inet_pton(AF_INET, "100.64.0.1", v4peer);
	inet_pton(AF_INET6, "fe80::1234", ll);
	inet_pton(AF_INET6, "2001:db8:1::1234", gua);
	inet_pton(AF_INET6, "2001:db8:99::", pfx);
	inet_pton(AF_INET6, "2001:db8:1::", srcp);
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/accept_ra", ifname);
	uint32_t f6 = IFA_F_NODAD;
	if (hostcfg_sysctl_set(hc, path, "0") < 0 || hostcfg_link_setup(hc, 1492, true) < 0 ||
		hostcfg_addr_add(hc, AF_INET, v4, 32, v4peer, HOSTCFG_LIFETIME_INF,
			HOSTCFG_LIFETIME_INF, 0) < 0 ||
		hostcfg_addr_add(hc, AF_INET6, ll, 64, NULL, 600, 300, f6) < 0 ||
		hostcfg_addr_add(hc, AF_INET6, gua, 64, NULL, 600, 300, f6) < 0 ||
		hostcfg_route_add(hc, AF_INET, v4any, 0, NULL, 0, NULL, 0) < 0 ||
		hostcfg_route_add(hc, AF_INET6, pfx, 48, NULL, 0, NULL, 0) < 0 ||
		hostcfg_route_add(hc, AF_INET6, any6, 0, srcp, 64, NULL, 512) < 0)
		return -1;
	unsigned n = hc->n_rec;
	/* Dedupe: the same address again refreshes its lifetimes in place, one undo record. */
	if (hostcfg_addr_add(hc, AF_INET6, gua, 64, NULL, 900, 600, f6) < 0 || hc->n_rec != n) {
		printf("FAIL: re-adding an address changed the record count %u -> %u\n", n, hc->n_rec);
		return -1;
	}
	printf("applied %u undo records\n", hc->n_rec);
	return 0;
}

static int smoke_hook(const char *cmd)
{
	if (!cmd)
		return 0;
	fflush(stdout);
	int r = system(cmd);
	return r == 0 ? 0 : -1;
}

static int smoke_run(struct hostcfg_nl *nl, const char *ifname, const char *before, const char *after)
{
	struct hostcfg hc;
	struct hostcfg_link_info li;
	if (hostcfg_nl_link_get(nl, ifname, &li) < 0 || hostcfg_nl_link_addr_gen_none(nl, li.ifindex) < 0) {
		printf("FAIL: %s\n", hostcfg_nl_strerror(nl));
		return -1;
	}
	hostcfg_init(&hc, "smoke", ifname, &hostcfg_sys_ops, nl);
	if (smoke_apply(&hc, ifname) < 0) {
		printf("FAIL: %s\n", hostcfg_last_error(&hc));
		hostcfg_undo_all(&hc);
		return -1;
	}
	struct smoke_seen s = smoke_dump(ifname, li.ifindex);
	int bad = (s.n_v4 != 1 || s.n_v6_ours != 2) | (smoke_hook(before) < 0);
	if (hostcfg_undo_all(&hc) < 0) {
		printf("FAIL: undo: %s\n", hostcfg_last_error(&hc));
		bad = 1;
	}
	printf("after undo: %u records\n", hc.n_rec);
	s = smoke_dump(ifname, li.ifindex);
	bad |= (s.n_v4 != 0 || s.n_v6_ours != 0) | (smoke_hook(after) < 0);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	char name[TUN_NAMESIZ];
	struct hostcfg_nl nl;
	int fd;
	if (argc < 2) {
		fprintf(stderr, "usage: %s IFNAME [BEFORE_UNDO_CMD [AFTER_UNDO_CMD]]\n", argv[0]);
		return 2;
	}
	log_init("hostcfg-smoke", false, LOG_LVL_DEBUG, LOGC_HOST);
	snprintf(name, sizeof(name), "%s", argv[1]);
	if (tun_open(name, false, false, &fd) < 0)
		log_fatal("tun_open %s", argv[1]);
	if (hostcfg_nl_open(&nl) < 0)
		log_fatal("netlink");
	printf("tun %s fd %d\n", name, fd);
	int r = smoke_run(&nl, name, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL);
	hostcfg_nl_close(&nl);
	close(fd);
	printf("%s\n", r == 0 ? "PASS" : "FAIL");
	return r == 0 ? 0 : 1;
}
