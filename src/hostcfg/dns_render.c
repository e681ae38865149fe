/* Pure parts of the DNS configuration: server lists and resolv.conf rendering; see dns.h. */
#include "hostcfg/dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

bool dns_servers_add(struct dns_servers *d, int family, const void *addr)
{
	size_t len = family == AF_INET ? 4 : 16;
	if (family != AF_INET && family != AF_INET6)
		return false;
	for (unsigned i = 0; i < d->n; i++)
		if (d->s[i].family == family && !memcmp(d->s[i].addr, addr, len))
			return false;
	if (d->n == DNS_MAX_SERVERS)
		return false;
	d->s[d->n].family = family;
	memset(d->s[d->n].addr, 0, 16);
	memcpy(d->s[d->n].addr, addr, len);
	d->n++;
	return true;
}

bool dns_servers_add_domain(struct dns_servers *d, const char *domain)
{
	size_t n = strlen(domain);
	if (!n || n >= DNS_DOMAIN_LEN || d->n_domains == DNS_MAX_DOMAINS)
		return false;
	/* resolv.conf is line-oriented: a name with whitespace or controls would inject text. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)domain[i] <= ' ' || domain[i] == 0x7f)
			return false;
	for (unsigned i = 0; i < d->n_domains; i++)
		if (!strcmp(d->domains[i], domain))
			return false;
	snprintf(d->domains[d->n_domains++], DNS_DOMAIN_LEN, "%s", domain);
	return true;
}

bool dns_servers_equal(const struct dns_servers *a, const struct dns_servers *b)
{
	if (a->n != b->n || a->n_domains != b->n_domains)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->s[i].family != b->s[i].family || memcmp(a->s[i].addr, b->s[i].addr, 16))
			return false;
	for (unsigned i = 0; i < a->n_domains; i++)
		if (strcmp(a->domains[i], b->domains[i]))
			return false;
	return true;
}

int dns_render_resolv_conf(const struct dns_servers *d, const char *conn, char *buf, size_t cap)
{
	char hdr[128];
	int n = snprintf(hdr, sizeof(hdr), "# written by v6link for connection %s; restored when it ends",
			 conn);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	return dns_render_resolv_conf_hdr(d, hdr, buf, cap);
}

int dns_render_resolv_conf_hdr(const struct dns_servers *d, const char *header, char *buf,
			       size_t cap)
{
	size_t len = 0;
	/* One comment line: a newline in it would start a line of its own. */
	for (const char *p = header; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return -1;
	int n = snprintf(buf, cap, "%s\n", header);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	len = (size_t)n;
	for (unsigned i = 0; i < d->n; i++) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(d->s[i].family, d->s[i].addr, a, sizeof(a));
		n = snprintf(buf + len, cap - len, "nameserver %s\n", a);
		if (n < 0 || (size_t)n >= cap - len)
			return -1;
		len += (size_t)n;
	}
	if (d->n_domains) {
		n = snprintf(buf + len, cap - len, "search");
		if (n < 0 || (size_t)n >= cap - len)
			return -1;
		len += (size_t)n;
		for (unsigned i = 0; i < d->n_domains; i++) {
			n = snprintf(buf + len, cap - len, " %s", d->domains[i]);
			if (n < 0 || (size_t)n >= cap - len)
				return -1;
			len += (size_t)n;
		}
		if (len + 1 >= cap)
			return -1;
		buf[len++] = '\n';
		buf[len] = 0;
	}
	return (int)len;
}

const char *dns_backend_name(enum dns_backend b)
{
	switch (b) {
	case DNS_BACKEND_NONE: return "none";
	case DNS_BACKEND_RESOLVED: return "systemd-resolved";
	case DNS_BACKEND_RESOLVCONF: return "resolvconf";
	case DNS_BACKEND_FILE: return "resolv.conf";
	}
	return "?";
}
