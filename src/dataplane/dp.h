/* The PPPoE session data plane: an uplink thread (TUN -> PPPoE) and a downlink thread
 * (PPPoE -> TUN), batched with sendmmsg/recvmmsg, off the control loop. Control frames (LCP, PAP,
 * CHAP, IPCP, IPv6CP, ...) are queued to the control loop through an eventfd. */
#ifndef V6L_DP_H
#define V6L_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_filter.h"

struct dataplane;

struct dp_stats {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t drops[DP_DROP_N];
	uint64_t last_tx_ms, last_rx_ms; /* monotonic time of the last data packet each way */
};

/* Takes no ownership of tun_fd or sess_fd (an AF_PACKET socket bound to ETH_P_PPP_SES). */
struct dataplane *dp_new(int tun_fd, int sess_fd, int ifindex);
/* Starts both threads; 0 or -1 with errno. */
int dp_start(struct dataplane *dp);
/* Stops and joins the threads, then frees dp. */
void dp_free(struct dataplane *dp);
/* Publishes a new session view to both threads (copied). */
void dp_set_session(struct dataplane *dp, const struct dp_session *s);
/* When armed, the first packet the host sends while no session is up wakes dp_demand_fd(). */
void dp_set_demand(struct dataplane *dp, bool armed);
int dp_demand_fd(const struct dataplane *dp);
/* Readable when control frames are queued; drain them on the control loop. */
int dp_control_fd(const struct dataplane *dp);
typedef void (*dp_control_cb)(void *ctx, uint16_t proto, const uint8_t *buf, size_t len);
void dp_control_drain(struct dataplane *dp, dp_control_cb cb, void *ctx);
/* Sends one PPP control packet on the session (from the control loop); 0 or -1 with errno. */
int dp_send_control(struct dataplane *dp, uint16_t proto, const uint8_t *buf, size_t len);
void dp_get_stats(struct dataplane *dp, struct dp_stats *out);

#endif
