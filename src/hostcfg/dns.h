/* Host DNS configuration for a connection: systemd-resolved (per link) when it runs, else
 * resolvconf when installed, else resolv.conf rewritten with a backup that is restored. A daemon
 * in a named network namespace (`ip netns exec NAME`) writes /etc/netns/NAME/resolv.conf as that
 * tool expects and never touches the host's file. */
#ifndef V6L_HOSTCFG_DNS_H
#define V6L_HOSTCFG_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_MAX_SERVERS 6
#define DNS_MAX_DOMAINS 6
#define DNS_DOMAIN_LEN 256

enum dns_backend { DNS_BACKEND_NONE, DNS_BACKEND_RESOLVED, DNS_BACKEND_RESOLVCONF, DNS_BACKEND_FILE };

struct dns_servers {
	unsigned n;
	struct {
		int family; /* AF_INET or AF_INET6 */
		uint8_t addr[16];
	} s[DNS_MAX_SERVERS];
	unsigned n_domains;
	char domains[DNS_MAX_DOMAINS][DNS_DOMAIN_LEN];
};

struct dns_cfg {
	enum dns_backend backend;
	char ifname[16];
	char path[256];        /* FILE backend: the resolv.conf written */
	char backup[280];      /* FILE backend: the copy restored on undo */
	bool is_applied;
	bool had_file;         /* the file existed before (restore it, else delete ours) */
};

/* Adds server (4 or 16 bytes by family) unless present or full; returns true when added. */
bool dns_servers_add(struct dns_servers *d, int family, const void *addr);
bool dns_servers_add_domain(struct dns_servers *d, const char *domain);
bool dns_servers_equal(const struct dns_servers *a, const struct dns_servers *b);
/* Renders resolv.conf text (with a header naming v6link and conn) into buf; returns the length,
 * or -1 if it does not fit. Pure. */
int dns_render_resolv_conf(const struct dns_servers *d, const char *conn, char *buf, size_t cap);
/* The same with header as the first line (a comment, without its newline; a control character
 * in it fails). Pure. */
int dns_render_resolv_conf_hdr(const struct dns_servers *d, const char *header, char *buf,
	size_t cap);
const char *dns_backend_name(enum dns_backend b);

/* TODO(#11): the per-connection API below is replaced by the daemon-wide owner in resolver.h
 * (two connections here share one resolv.conf and undo each other); it goes once the engine
 * uses the owner. */

/* Chooses the backend for ifname; resolv_conf overrides the file path ("" = automatic:
 * /etc/netns/NAME/resolv.conf inside a named namespace, else /etc/resolv.conf). */
void dns_init(struct dns_cfg *c, const char *ifname, const char *resolv_conf);
/* Applies d (replacing what this connection applied before); 0 or -1 (logged). */
int dns_apply(struct dns_cfg *c, const struct dns_servers *d, const char *conn);
/* Removes what dns_apply did: reverts the link, deletes the resolvconf entry or restores the
 * backed-up file. */
void dns_undo(struct dns_cfg *c);

#endif
