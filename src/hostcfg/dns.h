/* DNS data shared by the resolver owner (resolver.h): the servers and search domains one
 * connection contributes, their rendering as resolv.conf text (pure, dns_render.c) and the names
 * of the backends (systemd-resolved per link, resolvconf, the resolv.conf file). Choosing a
 * backend and applying to it are the owner's and its I/O glue's (dns_io.c). */
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

#endif
