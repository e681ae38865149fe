/* `v6link detect` and the detection `run` does for mode=auto: probes Ethernet adapters for a
 * PPPoE access concentrator (PADI), IPv6 routers (Router Solicitation), DHCPv6 servers (Solicit)
 * and DHCPv4 servers (DISCOVER, probe only: never a REQUEST), and tells the mode each adapter
 * would get. It changes nothing on the host. */
#ifndef V6L_DETECT_H
#define V6L_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg/cfg.h"
#include "core/loop.h"
#include "core/strbuf.h"

enum det_mode { DET_NONE, DET_DIALUP, DET_MIXED, DET_ROUTER };

struct det;

/* A detector with the dial string's timing (to= ms doubled per round, tr= rounds); p is
 * borrowed ([passthrough], allow_mixed_mode). NULL on failure. */
struct det *det_new(const struct cfg_param *p, unsigned timeout_ms, unsigned tries);
/* Adds one adapter (0, or -1 with a message on stderr) / every Ethernet adapter that is up and
 * not matched by [passthrough]. */
int det_add_if(struct det *dt, const char *ifname);
int det_add_all(struct det *dt);
unsigned det_n_if(const struct det *dt);
/* What `run` needs from detection beyond `detect`: settled(ctx, mode, adapter, why) as soon as
 * the mode is known, so that dialling costs no waiting. The first PADO from an access
 * concentrator that matches ac_filter and service settles PPPoE (DET_MIXED if a DHCPv4 server
 * answered already, else DET_DIALUP, and the probe goes on watching for DHCPv4 until done); an
 * IPv6 router or DHCPv6 server settles DET_ROUTER grace_ms after it answered, if no PADO came. */
struct det_run {
	void (*settled)(void *ctx, enum det_mode m, const char *ifname, const char *why);
	const char *ac_filter, *service; /* borrowed; NULL or "" = any */
	unsigned grace_ms;
};

/* Probes on loop l and calls done(ctx) once when detection ends (run may be NULL: `detect`
 * waits out the rounds and reports everything). run is borrowed until done. */
int det_start(struct det *dt, struct loop *l, const struct det_run *run, void (*done)(void *ctx),
	      void *ctx);
/* After done: whether a DHCPv4 server answered on ifname, and the DNS servers it offered. */
bool det_lan_ipv4(const struct det *dt, const char *ifname, uint8_t dns[][4], unsigned *n_dns,
		  unsigned cap);
/* After done: the adapter to use and its mode, with a sentence saying why. */
enum det_mode det_choose(const struct det *dt, char ifname[16], char *why, size_t cap);
const char *det_mode_name(enum det_mode m);
/* Stops probing if still running and closes the sockets. */
void det_free(struct det *dt);

/* After done: what every adapter answered, as text or as one JSON object. */
void det_report(const struct det *dt, bool json, struct strbuf *sb);

/* True if ifname contains one of the [passthrough] substrings (such adapters are left alone). */
bool det_passthrough(const struct cfg_param *p, const char *ifname);
/* Reads /sys/class/net/IFNAME/ATTR as an integer (type, flags); -1 if unreadable. */
int det_sys_int(const char *ifname, const char *attr);
/* True for an Ethernet adapter that is administratively up. */
bool det_adapter_is_ethernet_up(const char *ifname);
/* True if the kernel has an IPv4 default route through ifname (a LAN router is in use). */
bool det_has_ipv4_default(const char *ifname);
/* aidx=-1 without if=: the Ethernet adapter that is up and not passed through, first by name;
 * 0, or -1 if there is none. */
int det_pick_adapter(const struct cfg_param *p, char out[16]);

#endif
