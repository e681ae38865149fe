/* AF_PACKET glue; see pkt_io.h. */
#include "pkt_io.h"

#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

int pkt_if_lookup(const char *ifname, struct pkt_if *out)
{
	struct ifreq ifr;
	memset(out, 0, sizeof(*out));
	if (strlen(ifname) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	int rc = -1;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		goto out;
	out->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		goto out;
	memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		goto out;
	out->mtu = (unsigned)ifr.ifr_mtu;
	strcpy(out->name, ifname);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* A classic BPF program for an ETH_P_ALL socket: frames of ethertype that we did not send.
 * The kernel strips an 802.1Q tag into PACKET_AUXDATA before the filter runs, so offset 12 is
 * the inner ethertype. */
static int pkt_attach_filter(int fd, uint16_t ethertype)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 2, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ethertype, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

int pkt_open(int ifindex, uint16_t ethertype, bool tagged)
{
	/* A socket bound to the PPPoE ethertypes never sees the VLAN tag of a tagged frame (the
	 * kernel clears it before protocol delivery); an ETH_P_ALL socket gets it in auxdata. */
	uint16_t bind_proto = tagged ? ETH_P_ALL : ethertype;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(bind_proto));
	if (fd < 0)
		return -1;
	int one = 1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(bind_proto),
				   .sll_ifindex = ifindex };
	int buf = 4 << 20;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    (tagged && pkt_attach_filter(fd, ethertype) < 0) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* Larger buffers absorb bursts between batches; failure only costs throughput. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

ssize_t pkt_recv(int fd, uint8_t *buf, size_t cap, bool *has_vlan, uint16_t *vlan_tci,
		 bool *csum_partial)
{
	uint8_t ctrl[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
			    .msg_controllen = sizeof(ctrl) };
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
	*has_vlan = false;
	*vlan_tci = 0;
	if (csum_partial)
		*csum_partial = false;
	if (n < 0)
		return -1;
	struct dp_aux aux;
	dp_aux_parse(ctrl, m.msg_controllen, &aux);
	*has_vlan = aux.has_vlan;
	*vlan_tci = aux.tci;
	if (csum_partial)
		*csum_partial = aux.is_csum_partial;
	return n;
}

int pkt_send(int fd, int ifindex, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	return sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -1 : 0;
}
