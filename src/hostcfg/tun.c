/* TUN device glue: /dev/net/tun + TUNSETIFF, queue attach/detach, persistence, offloads. */
#include "hostcfg/tun.h"

#include "hostcfg/file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

_Static_assert(TUN_OFFLOAD_CSUM == TUN_F_CSUM && TUN_OFFLOAD_TSO4 == TUN_F_TSO4 &&
		TUN_OFFLOAD_TSO6 == TUN_F_TSO6, "offload bits match linux/if_tun.h");
_Static_assert(TUN_OFFLOAD_TSO_ECN == TUN_F_TSO_ECN, "offload bit matches linux/if_tun.h");
#ifdef TUN_F_USO4
_Static_assert(TUN_OFFLOAD_USO4 == TUN_F_USO4 && TUN_OFFLOAD_USO6 == TUN_F_USO6,
	       "offload bits match linux/if_tun.h");
#endif
_Static_assert(TUN_NAMESIZ == IFNAMSIZ, "name size matches IFNAMSIZ");

static int tun_attach(char *name, short flags, int *fd)
{
	struct ifreq ifr;
	if (strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The spawner opens it for a daemon that is not root where it is root's mode 0600. */
	int f = hostcfg_file_open_dev("/dev/net/tun");
	if (f < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(f, TUNSETIFF, &ifr) < 0)
		goto fail_fd;
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	*fd = f;
	return 0;
fail_fd: {
	int err = errno;
	close(f);
	errno = err;
	return -1;
}
}

static short tun_flags(bool vnet_hdr, bool multi_queue)
{
	short flags = IFF_TUN | IFF_NO_PI;
	if (vnet_hdr)
		flags |= IFF_VNET_HDR;
	if (multi_queue)
		flags |= IFF_MULTI_QUEUE;
	return flags;
}

int tun_open(char *name, bool vnet_hdr, bool multi_queue, int *fd)
{
	return tun_attach(name, tun_flags(vnet_hdr, multi_queue), fd);
}

int tun_open_queue(const char *name, bool vnet_hdr, int *fd)
{
	char n[IFNAMSIZ];
	if (!name[0] || strlen(name) >= IFNAMSIZ) {
		errno = EINVAL;
		return -1;
	}
	snprintf(n, sizeof(n), "%s", name);
	return tun_attach(n, tun_flags(vnet_hdr, true), fd);
}

int tun_set_queue_enabled(int fd, bool enabled)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = enabled ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	return ioctl(fd, TUNSETQUEUE, &ifr);
}

int tun_set_persist(int fd, bool persist)
{
	return ioctl(fd, TUNSETPERSIST, (unsigned long)persist);
}

int tun_set_offload(int fd, unsigned flags)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags);
}

unsigned tun_set_offload_first(int fd, const unsigned *tries, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (tun_set_offload(fd, tries[i]) == 0)
			return tries[i];
	tun_set_offload(fd, 0);
	return 0;
}

int tun_set_txqueuelen(int sock_fd, const char *name, unsigned qlen)
{
	struct ifreq ifr;
	if (strlen(name) >= IFNAMSIZ || qlen > INT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_qlen = (int)qlen;
	return ioctl(sock_fd, SIOCSIFTXQLEN, &ifr);
}

int tun_set_vnet_hdr_sz(int fd, int size)
{
	return ioctl(fd, TUNSETVNETHDRSZ, &size);
}
