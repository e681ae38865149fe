/* The daemon's privileges after start-up; see sandbox.h. What it still does then and which
 * capability that takes: TUN devices, opened again on every redial and NAT46 start, rtnetlink
 * (addresses, routes, address labels, VLAN and MTU), sysctls under /proc/sys/net of its
 * interfaces and SO_RCVBUFFORCE (CAP_NET_ADMIN); AF_PACKET, raw ICMPv6 and SO_BINDTODEVICE
 * (CAP_NET_RAW); UDP 546 and 53 (CAP_NET_BIND_SERVICE). Files (/etc/resolv.conf, gai.conf,
 * state, run and trace files) are root's and written as their owner, uid 0. */
#include "daemon/sandbox.h"

#include "core/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static const cap_value_t sandbox_caps_kept[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE };

int sandbox_early(void)
{
	struct rlimit zero = { 0, 0 };
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0) {
		log_warn("daemon: no core dumps");
		return -1;
	}
	return 0;
}

bool sandbox_needs_bind(const struct cfg_conns *cs, const char *only)
{
	for (unsigned i = 0; i < cs->n; i++) {
		const struct cfg_conn *k = &cs->conn[i];
		if (only && strcmp(k->name, only) != 0)
			continue;
		bool nat46 = k->nat46 == CFG_NAT46_ON || (k->nat46 == CFG_NAT46_AUTO && !k->use_ipv4);
		if (k->mode == CFG_MODE_AUTO || k->mode == CFG_MODE_ROUTER || nat46)
			return true;
	}
	return false;
}

static bool sandbox_has(cap_t now, cap_value_t v, cap_flag_t which)
{
	cap_flag_value_t f = CAP_CLEAR;
	return cap_get_flag(now, v, which, &f) == 0 && f == CAP_SET;
}

/* Appends " CAP_X" for each of keep[0..n) to buf. */
static void sandbox_cap_names(const cap_value_t *keep, int n, char *buf, size_t cap)
{
	size_t l = strlen(buf);
	for (int i = 0; i < n && l + 1 < cap; i++) {
		char *name = cap_to_name(keep[i]);
		size_t from = l + 1;
		int w = snprintf(buf + l, cap - l, " %s", name ? name : "?");
		cap_free(name);
		l = w < 0 ? l : l + (size_t)w < cap ? l + (size_t)w : cap - 1;
		for (size_t k = from; k < l; k++)
			buf[k] = (char)toupper((unsigned char)buf[k]);
	}
}

/* Every capability but keep[0..n) leaves the bounding set, so that no hook or program run later
 * regains it. Without CAP_SETPCAP (a unit that already narrowed the set) it stays as it is. */
static int sandbox_bound(cap_t now, const cap_value_t *keep, int n)
{
	if (!sandbox_has(now, CAP_SETPCAP, CAP_EFFECTIVE))
		return 0;
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		bool kept = false;
		for (int i = 0; i < n; i++)
			kept = kept || keep[i] == v;
		if (!kept && cap_drop_bound(v) < 0 && errno != EINVAL) {
			log_warn("daemon: dropping capability %d from the bounding set", (int)v);
			return -1;
		}
	}
	return 0;
}

/* More than one thread here would keep its capabilities: they are per thread. */
static bool sandbox_single_threaded(void)
{
	DIR *d = opendir("/proc/self/task");
	unsigned n = 0;
	if (!d)
		return true; /* no /proc: nothing to check with */
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 1;
}

int sandbox_drop(bool needs_bind, const char *who)
{
	cap_value_t keep[3];
	int n = 0, rc = -1;
	char names[160] = "";
	if (!sandbox_single_threaded()) {
		log_warnx("%s: capabilities: more than one thread at start-up", who);
		return -1;
	}
	cap_t now = cap_get_proc(), want = cap_init();
	if (!now || !want)
		goto out;
	/* Only what the process has: one started without a capability runs on without it. */
	for (size_t i = 0; i < sizeof(sandbox_caps_kept) / sizeof(sandbox_caps_kept[0]); i++)
		if ((needs_bind || sandbox_caps_kept[i] != CAP_NET_BIND_SERVICE) &&
		    sandbox_has(now, sandbox_caps_kept[i], CAP_PERMITTED))
			keep[n++] = sandbox_caps_kept[i];
	if (sandbox_bound(now, keep, n) < 0)
		goto out;
	if ((n && (cap_set_flag(want, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
		   cap_set_flag(want, CAP_EFFECTIVE, n, keep, CAP_SET) < 0)) ||
	    cap_set_proc(want) < 0 || (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)) {
		log_warn("%s: dropping capabilities", who);
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("%s: no_new_privs", who);
		goto out;
	}
	sandbox_cap_names(keep, n, names, sizeof(names));
	log_info("%s: running as uid %u with%s, no_new_privs", who, (unsigned)geteuid(),
		 n ? names : " no capabilities");
	rc = 0;
out:
	if (now)
		cap_free(now);
	if (want)
		cap_free(want);
	return rc;
}
