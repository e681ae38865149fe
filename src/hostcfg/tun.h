/* The TUN device the host sees (IFF_TUN | IFF_NO_PI, optionally with a virtio-net header and
 * several queues). Non-persistent unless asked: closing the last fd removes the interface. I/O. */
#ifndef V6L_HOSTCFG_TUN_H
#define V6L_HOSTCFG_TUN_H

#include <stdbool.h>

#define TUN_NAMESIZ 16

/* Offload bits for tun_set_offload() (values of TUN_F_* in linux/if_tun.h). */
#define TUN_OFFLOAD_CSUM 0x01
#define TUN_OFFLOAD_TSO4 0x02
#define TUN_OFFLOAD_TSO6 0x04
#define TUN_OFFLOAD_TSO_ECN 0x08
#define TUN_OFFLOAD_USO4 0x20 /* Linux 6.2 */
#define TUN_OFFLOAD_USO6 0x40

/* Creates (or attaches to) a TUN named name ("" or a pattern like "v6link%d" lets the kernel
 * pick); on success name (TUN_NAMESIZ bytes) holds the real name and *fd a non-blocking,
 * close-on-exec fd. Returns 0 or -1 with errno. */
int tun_open(char *name, bool vnet_hdr, bool multi_queue, int *fd);

/* Opens one more queue of a multi-queue TUN made by tun_open(name, vnet_hdr, true, ...). */
int tun_open_queue(const char *name, bool vnet_hdr, int *fd);

/* Enables (attach) or disables (detach) one queue of a multi-queue TUN (TUNSETQUEUE). */
int tun_set_queue_enabled(int fd, bool enabled);

/* Makes the device outlive its fds (TUNSETPERSIST); the default is not persistent. */
int tun_set_persist(int fd, bool persist);

/* TUNSETOFFLOAD with TUN_OFFLOAD_* bits: which offloads the reader can take (needs vnet_hdr). */
int tun_set_offload(int fd, unsigned flags);

/* Enables the first of tries[0..n) (sets of TUN_OFFLOAD_* bits) the kernel accepts; returns that
 * set, or 0 with every offload off when none was accepted. */
unsigned tun_set_offload_first(int fd, const unsigned *tries, unsigned n);

/* SIOCSIFTXQLEN through sock_fd (any socket of the device's network namespace): the length of
 * the queue the host fills and the reader drains; 0 or -1 with errno. */
int tun_set_txqueuelen(int sock_fd, const char *name, unsigned qlen);

/* TUNSETVNETHDRSZ: size of the virtio-net header before each packet (10 or 12). */
int tun_set_vnet_hdr_sz(int fd, int size);

#endif
