/* From parsed configuration to what a connection runs with: adapter choice, decrypted
 * password, PPPoE and PPP parameters. */
#include "daemon/daemon.h"

#include "cfg/secret.h"
#include "core/log.h"
#include "engine/detect.h"
#include "ppp/auth.h"

#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

static int daemon_adapter(const struct cfg_conn *cc, char out[16])
{
	if (cc->dial.ifname[0]) {
		snprintf(out, 16, "%s", cc->dial.ifname);
		return 0;
	}
	if (cc->dial.aidx >= 0) {
		char name[IF_NAMESIZE];
		if (!if_indextoname((unsigned)cc->dial.aidx, name)) {
			fprintf(stderr, "v6link: connection '%s': dial_string aidx=%d: no such adapter\n",
				cc->name, cc->dial.aidx);
			return 2;
		}
		snprintf(out, 16, "%s", name);
		return 0;
	}
	/* aidx=-1: the connection picks the first Ethernet adapter that is up when it opens, and
	 * waits for one if there is none yet. */
	out[0] = 0;
	return 0;
}

static int daemon_password(const char *confdir, const struct cfg_conn *cc, char *out, size_t cap)
{
	char err[CFG_PATH_MAX + 200];
	uint8_t key[CFG_SECRET_KEY_LEN];
	size_t len;
	out[0] = 0;
	if (!cc->password_enc[0])
		return 0;
	/* CONFDIR/secret.key, or the systemd credential v6link.key (a key kept elsewhere). */
	if (cfg_secret_key_load_any(confdir, key, err, sizeof(err)) < 0) {
		fprintf(stderr, "v6link: %s\n", err);
		return 2;
	}
	enum cfg_secret_err e = cfg_secret_decrypt(key, cc->password_enc, out, cap, &len);
	sodium_memzero(key, sizeof(key));
	if (e != CFG_SECRET_OK) {
		fprintf(stderr, "v6link: connection '%s': password: %s (run 'v6link passwd %s')\n",
			cc->name, cfg_secret_err_str(e), cc->name);
		return 2;
	}
	return 0;
}

static unsigned daemon_auth_mask(unsigned cfg_mask)
{
	unsigned m = 0;
	if (cfg_mask & CFG_AUTH_PAP)
		m |= 1u << PPP_AUTH_PAP;
	if (cfg_mask & CFG_AUTH_CHAP)
		m |= 1u << PPP_AUTH_CHAP_MD5;
	if (cfg_mask & CFG_AUTH_MSCHAPV2)
		m |= 1u << PPP_AUTH_MSCHAPV2;
	return m;
}

int daemon_conn_cfg(const char *confdir, const struct cfg_param *p, const struct cfg_conn *cc,
		    struct conn_cfg *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", cc->name);
	o->mode = (int)cc->mode;
	o->param = p;
	/* mode=auto with aidx=-1 and no if=: detection probes every adapter and picks one. */
	bool probe_all = cc->mode == CFG_MODE_AUTO && !cc->dial.ifname[0] && cc->dial.aidx < 0 &&
			 !cc->dial.vlan && !cc->dial.prio;
	int rc = probe_all ? 0 : daemon_adapter(cc, o->eth_if);
	if (!rc)
		rc = daemon_password(confdir, cc, o->secret, sizeof(o->secret));
	if (rc)
		return rc;
	snprintf(o->tun_name, sizeof(o->tun_name), "%s", cc->interface);
	snprintf(o->user, sizeof(o->user), "%s", cc->user_name);
	snprintf(o->disc.service, sizeof(o->disc.service), "%s", cc->dial.service);
	snprintf(o->disc.ac_filter, sizeof(o->disc.ac_filter), "%s", cc->dial.ac_name);
	o->disc.use_host_uniq = cc->dial.host_uniq;
	o->disc.timeout_ms = cc->dial.timeout_ms;
	o->disc.tries = cc->dial.retries;
	o->disc.mru = (uint16_t)cc->mru;
	/* prio= without vlan= sends priority-tagged frames (VLAN ID 0). */
	o->has_vlan = cc->dial.vlan != 0 || cc->dial.prio != 0;
	o->vlan_id = (uint16_t)cc->dial.vlan;
	o->prio = (uint8_t)cc->dial.prio;
	o->mru = (uint16_t)cc->mru;
	o->use_ipv4 = cc->use_ipv4;
	o->nat46 = cc->nat46 == CFG_NAT46_ON || (cc->nat46 == CFG_NAT46_AUTO && !cc->use_ipv4);
	o->use_ipv6 = cc->use_ipv6;
	o->rx_ring = (int)cc->rx_ring;
	o->route_metric = cc->route_metric;
	o->route_table = cc->route_table;
	o->default_route = cc->default_route;
	o->demand = cc->enabled;
	o->idle_timeout_s = cc->idle_timeout_s;
	o->persist = cc->persist;
	o->redial_delay_s = cc->redial_delay_s;
	o->redial_delay_max_s = cc->redial_delay_max_s;
	o->echo_interval_s = cc->lcp_echo_interval_s;
	o->echo_failures = cc->lcp_echo_failure;
	o->auth_mask = daemon_auth_mask(cc->auth);
	snprintf(o->hook, sizeof(o->hook), "%s", cc->hook);
	o->d6_stateful = p->dhcp6_stateful;
	o->d6_stateless = p->dhcp6_stateless;
	o->dns = cc->dns;
	o->want_pd = cc->prefix_delegation;
	o->stable_privacy = cc->stable_privacy;
	o->option_dasp = (uint16_t)p->option_dasp;
	o->dhcpv6 = (int)cc->dhcpv6;
	o->pd_length = (uint8_t)cc->pd_length;
	o->duid_type = (int)cc->duid;
	memcpy(o->duid_raw, cc->duid_raw, sizeof(o->duid_raw));
	o->duid_raw_len = (uint16_t)cc->duid_raw_len;
	o->has_iaid = cc->iaid.is_set;
	o->iaid = cc->iaid.value;
	o->has_iaid_pd = cc->iaid_pd.is_set;
	o->iaid_pd = cc->iaid_pd.value;
	o->reconfigure_accept = cc->reconfigure_accept;
	o->has_ipv6_prefix = cc->has_ipv6_prefix;
	memcpy(o->ipv6_prefix, cc->ipv6_prefix, 16);
	memcpy(o->ipv6_dns[0], cc->ipv6_dns1, 16);
	memcpy(o->ipv6_dns[1], cc->ipv6_dns2, 16);
	o->check_traffic = p->check_traffic;
	o->mcast4_unicast = p->ipv4_mcast_is_unicast;
	return 0;
}
