/* The real host behind struct hostcfg_ops: rtnetlink (nl.c) for links, addresses and routes,
 * /proc/sys files for sysctls (per network namespace by construction). I/O glue. */
#ifndef V6L_HOSTCFG_SYS_H
#define V6L_HOSTCFG_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostcfg/hostcfg.h"
#include "hostcfg/nl.h"

/* Ops whose ctx is an open struct hostcfg_nl *; interfaces are looked up by name per call. */
extern const struct hostcfg_ops hostcfg_sys_ops;

/* Reads /proc/sys/<path> (relative, checked by hostcfg_sysctl_path_ok) into buf, trailing
 * newline removed. 0 or -1/errno. */
int hostcfg_sysctl_read(const char *path, char *buf, size_t cap);

/* Writes value to /proc/sys/<path>. 0 or -1/errno. */
int hostcfg_sysctl_write(const char *path, const char *value);

/* Lists addresses of family (AF_UNSPEC = both) on ifindex (0 = all) through a short-lived
 * netlink socket, for status output and tests. 0 or -1/errno. */
int hostcfg_list_addrs(int family, uint32_t ifindex, hostcfg_addr_cb cb, void *arg);

/* The name under /run/netns of the network namespace we run in (as `ip netns identify`
 * finds it); false in the initial namespace or an unnamed one. */
bool hostcfg_netns_name(char *out, size_t cap);

#endif
