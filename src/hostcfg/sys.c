/* struct hostcfg_ops on the real host: rtnetlink for links, addresses and routes; /proc/sys for
 * sysctls. Failures are logged with the netlink client's description (incl. kernel text). */
#include "hostcfg/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static int sys_ifindex(struct hostcfg_nl *nl, const char *ifname, uint32_t *ifindex)
{
	struct hostcfg_link_info li;
	if (hostcfg_nl_link_get(nl, ifname, &li) < 0)
		return -1;
	*ifindex = li.ifindex;
	return 0;
}

/* Logs the netlink description unless the object is simply gone (undo of a vanished link). */
static int sys_result(struct hostcfg_nl *nl, int r)
{
	if (r < 0) {
		int err = errno;
		log_debug(LOGC_HOST, "hostcfg: %s", hostcfg_nl_strerror(nl));
		errno = err;
	}
	return r;
}

static int sys_addr(void *ctx, const char *ifname, bool add, const struct hostcfg_addr *a)
{
	struct hostcfg_nl *nl = ctx;
	uint32_t idx;
	if (sys_ifindex(nl, ifname, &idx) < 0)
		return -1;
	return sys_result(nl, hostcfg_nl_addr(nl, add, idx, a));
}

static int sys_route(void *ctx, const char *ifname, bool add, const struct hostcfg_route *r)
{
	struct hostcfg_nl *nl = ctx;
	uint32_t idx;
	if (sys_ifindex(nl, ifname, &idx) < 0)
		return -1;
	return sys_result(nl, hostcfg_nl_route(nl, add, idx, r));
}

static int sys_link_get(void *ctx, const char *ifname, struct hostcfg_link *out)
{
	struct hostcfg_link_info li;
	if (hostcfg_nl_link_get(ctx, ifname, &li) < 0)
		return -1;
	out->mtu = li.mtu;
	out->is_up = (li.flags & IFF_UP) != 0;
	return 0;
}

static int sys_link_set(void *ctx, const char *ifname, const struct hostcfg_link *want)
{
	struct hostcfg_nl *nl = ctx;
	uint32_t idx;
	if (sys_ifindex(nl, ifname, &idx) < 0)
		return -1;
	int up = want->is_mtu_only ? -1 : want->is_up ? 1 : 0;
	return sys_result(nl, hostcfg_nl_link_set(nl, idx, up, want->mtu));
}

static int sys_sysctl_read(void *ctx, const char *path, char *buf, size_t cap)
{
	(void)ctx;
	return hostcfg_sysctl_read(path, buf, cap);
}

static int sys_sysctl_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	return hostcfg_sysctl_write(path, value);
}

const struct hostcfg_ops hostcfg_sys_ops = {
	.addr = sys_addr,
	.route = sys_route,
	.sysctl_read = sys_sysctl_read,
	.sysctl_write = sys_sysctl_write,
	.link_get = sys_link_get,
	.link_set = sys_link_set,
};

static int sysctl_open(const char *path, int flags)
{
	char full[160];
	if (!hostcfg_sysctl_path_ok(path)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	return open(full, flags | O_CLOEXEC);
}

int hostcfg_sysctl_read(const char *path, char *buf, size_t cap)
{
	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	int fd = sysctl_open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	int err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int hostcfg_sysctl_write(const char *path, const char *value)
{
	int fd = sysctl_open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int err = errno;
	close(fd);
	if (n < 0 || (size_t)n != len) {
		errno = n < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

int hostcfg_list_addrs(int family, uint32_t ifindex, hostcfg_addr_cb cb, void *arg)
{
	struct hostcfg_nl nl;
	if (hostcfg_nl_open(&nl) < 0)
		return -1;
	int r = hostcfg_nl_addr_list(&nl, family, ifindex, cb, arg);
	int err = errno;
	if (r < 0)
		log_warnx("hostcfg: %s", hostcfg_nl_strerror(&nl));
	hostcfg_nl_close(&nl);
	errno = err;
	return r;
}

/* The name of the network namespace we run in, as `ip netns identify` finds it. */
bool hostcfg_netns_name(char *out, size_t cap)
{
	struct stat self, st;
	if (stat("/proc/self/ns/net", &self) < 0)
		return false;
	DIR *d = opendir("/run/netns");
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d))) {
		char p[300];
		if (e->d_name[0] == '.' || strlen(e->d_name) >= cap)
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		if (stat(p, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			memcpy(out, e->d_name, strlen(e->d_name) + 1);
			found = true;
		}
	}
	closedir(d);
	return found;
}

