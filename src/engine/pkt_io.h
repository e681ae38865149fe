/* AF_PACKET sockets for one Ethernet adapter: discovery (ETH_P_PPP_DISC) and session
 * (ETH_P_PPP_SES) frames, with PACKET_AUXDATA so VLAN tags stripped by the kernel are seen. */
#ifndef V6L_PKT_IO_H
#define V6L_PKT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pkt_if {
	char name[16];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu;
};

/* Looks up ifname (index, MAC, MTU); 0 or -1 with errno. */
int pkt_if_lookup(const char *ifname, struct pkt_if *out);
/* Opens a non-blocking AF_PACKET SOCK_RAW socket for ethertype on ifindex; with tagged, an
 * ETH_P_ALL socket filtered to ethertype so that VLAN tags reach PACKET_AUXDATA. fd or -1. */
int pkt_open(int ifindex, uint16_t ethertype, bool tagged);
/* Receives one frame (Ethernet header first); fills the VLAN TCI from auxdata, and with
 * csum_partial (may be NULL) whether the kernel left the transport checksum unfinished (a local
 * sender with checksum offload: TP_STATUS_CSUMNOTREADY). */
ssize_t pkt_recv(int fd, uint8_t *buf, size_t cap, bool *has_vlan, uint16_t *vlan_tci,
		 bool *csum_partial);
/* Sends one complete Ethernet frame; 0 or -1. */
int pkt_send(int fd, int ifindex, const uint8_t *frame, size_t len);

#endif
