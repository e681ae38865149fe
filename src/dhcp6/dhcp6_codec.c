/* DHCPv6 codec (RFC 8415 §8, §11, §21; RFC 3646; RFC 7078; RFC 6355): parse and build client
 * messages, DUIDs, and the UDP/IPv6 wrapping used on the PPP link. Pure; errors are returned.
 * Policy per option: a malformed identity/IA option rejects the message (§16), a malformed
 * information option is skipped and counted, an invalid lease inside an IA is ignored (§21.6).
 * Authentication and the Reconfigure options count as information options: a server's broken
 * Authentication option must not cost the lease its Reply carries. */
#include "dhcp6/dhcp6_codec.h"

#include <string.h>

#include "core/csum.h"
#include "core/cur.h"

const char *dhcp6_err_str(enum dhcp6_err e)
{
	switch (e) {
	case DHCP6_E_OK:
		return "ok";
	case DHCP6_E_SHORT:
		return "shorter than the DHCPv6 header";
	case DHCP6_E_TYPE:
		return "message type not handled by a client";
	case DHCP6_E_OPTLEN:
		return "option runs past its container";
	case DHCP6_E_BADOPT:
		return "option with a bad length or value";
	case DHCP6_E_DUP:
		return "single-instance option repeated";
	case DHCP6_E_NOSPACE:
		return "does not fit";
	case DHCP6_E_IP6:
		return "not a well-formed IPv6/UDP packet";
	case DHCP6_E_PORT:
		return "not UDP to port 546";
	case DHCP6_E_CSUM:
		return "bad UDP checksum";
	}
	return "?";
}

const char *dhcp6_msg_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP6_SOLICIT] = "SOLICIT",
		[DHCP6_ADVERTISE] = "ADVERTISE",
		[DHCP6_REQUEST] = "REQUEST",
		[DHCP6_CONFIRM] = "CONFIRM",
		[DHCP6_RENEW] = "RENEW",
		[DHCP6_REBIND] = "REBIND",
		[DHCP6_REPLY] = "REPLY",
		[DHCP6_RELEASE] = "RELEASE",
		[DHCP6_DECLINE] = "DECLINE",
		[DHCP6_RECONFIGURE] = "RECONFIGURE",
		[DHCP6_INFORMATION_REQUEST] = "INFORMATION-REQUEST",
	};
	if (type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "?";
	return names[type];
}

const char *dhcp6_status_name(uint16_t code)
{
	static const char *const names[] = {
		[DHCP6_ST_SUCCESS] = "Success",
		[DHCP6_ST_UNSPEC_FAIL] = "UnspecFail",
		[DHCP6_ST_NO_ADDRS_AVAIL] = "NoAddrsAvail",
		[DHCP6_ST_NO_BINDING] = "NoBinding",
		[DHCP6_ST_NOT_ON_LINK] = "NotOnLink",
		[DHCP6_ST_USE_MULTICAST] = "UseMulticast",
		[DHCP6_ST_NO_PREFIX_AVAIL] = "NoPrefixAvail",
	};
	if (code >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[code];
}

/* ---- parsing ---- */

static enum dhcp6_err dhcp6_parse_duid(struct rcur *v, struct dhcp6_duid *d)
{
	if (d->len != 0)
		return DHCP6_E_DUP; /* §16: one Client/Server Identifier per message */
	/* §11.1: a 2-octet type and at most 128 octets of identifier. */
	if (rcur_left(v) < 2 || rcur_left(v) > DHCP6_DUID_MAX)
		return DHCP6_E_BADOPT;
	d->len = (uint16_t)rcur_left(v);
	rcur_bytes(v, d->b, d->len);
	return DHCP6_E_OK;
}

static enum dhcp6_err dhcp6_parse_status(struct rcur *v, struct dhcp6_status_opt *st)
{
	if (st->present)
		return DHCP6_E_DUP;
	if (rcur_left(v) < 2) /* §21.13: status-code is 2 octets */
		return DHCP6_E_BADOPT;
	st->present = true;
	st->code = rcur_u16(v);
	size_t n = 0;
	while (rcur_left(v) > 0) {
		uint8_t ch = rcur_u8(v);
		if (n < DHCP6_STATUS_MSG_MAX)
			st->msg[n++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	st->msg[n] = '\0';
	return DHCP6_E_OK;
}

/* IAADDR (§21.6) or IAPREFIX (§21.22) into ia; invalid leases are counted, not kept. */
static enum dhcp6_err dhcp6_parse_iaaddr(struct rcur *v, uint16_t code, struct dhcp6_ia *ia)
{
	struct dhcp6_iaaddr a;
	memset(&a, 0, sizeof(a));
	if (code == DHCP6_OPT_IAADDR) {
		rcur_addr6(v, a.addr);
		a.plen = 128;
		a.preferred_s = rcur_u32(v);
		a.valid_s = rcur_u32(v);
	} else {
		a.preferred_s = rcur_u32(v);
		a.valid_s = rcur_u32(v);
		a.plen = rcur_u8(v);
		rcur_addr6(v, a.addr);
	}
	if (!rcur_ok(v))
		return DHCP6_E_BADOPT;
	uint16_t sub;
	struct rcur sv;
	while (tlv16_next(v, &sub, &sv)) {
		if (sub != DHCP6_OPT_STATUS_CODE)
			continue;
		enum dhcp6_err e = dhcp6_parse_status(&sv, &a.status);
		if (e != DHCP6_E_OK)
			return e;
	}
	if (!rcur_ok(v))
		return DHCP6_E_OPTLEN;
	/* §21.6 / §21.22: a client MUST discard a lease whose preferred lifetime exceeds its valid
	 * lifetime. A prefix length outside 1..128 cannot describe a prefix: ignored the same way. */
	bool bad = a.preferred_s > a.valid_s || a.plen == 0 || a.plen > 128;
	if (bad || ia->n_addrs >= DHCP6_MAX_IA_ADDR) {
		ia->n_ignored++;
		return DHCP6_E_OK;
	}
	ia->addrs[ia->n_addrs++] = a;
	return DHCP6_E_OK;
}

static enum dhcp6_err dhcp6_parse_ia(struct rcur *v, uint16_t code, struct dhcp6_msg *m)
{
	struct dhcp6_ia ia;
	memset(&ia, 0, sizeof(ia));
	ia.type = code;
	ia.iaid = rcur_u32(v);
	ia.t1_s = rcur_u32(v);
	ia.t2_s = rcur_u32(v);
	if (!rcur_ok(v))
		return DHCP6_E_BADOPT; /* §21.4, §21.21: 12 fixed octets */
	uint16_t want = code == DHCP6_OPT_IA_NA ? DHCP6_OPT_IAADDR : DHCP6_OPT_IAPREFIX;
	uint16_t sub;
	struct rcur sv;
	while (tlv16_next(v, &sub, &sv)) {
		enum dhcp6_err e = DHCP6_E_OK;
		if (sub == want)
			e = dhcp6_parse_iaaddr(&sv, sub, &ia);
		else if (sub == DHCP6_OPT_STATUS_CODE)
			e = dhcp6_parse_status(&sv, &ia.status);
		if (e != DHCP6_E_OK)
			return e;
	}
	if (!rcur_ok(v))
		return DHCP6_E_OPTLEN;
	/* §21.4 / §21.21: T1 > T2 with both non-zero: discard the IA, process the rest. */
	bool bad = ia.t1_s > ia.t2_s && ia.t1_s != 0 && ia.t2_s != 0;
	for (uint8_t i = 0; i < m->n_ia && !bad; i++)
		bad = m->ia[i].type == code && m->ia[i].iaid == ia.iaid; /* §21.4: IAID unique */
	if (bad || m->n_ia >= DHCP6_MAX_IA) {
		m->n_ia_ignored++;
		return DHCP6_E_OK;
	}
	m->ia[m->n_ia++] = ia;
	return DHCP6_E_OK;
}

/* RFC 3646 §4 / RFC 8415 §10: uncompressed wire-format names, each in presentation form. Only
 * letters, digits, '-' and '_' are accepted: these names end up in resolver configuration. */
static bool dhcp6_parse_domains(struct rcur *v, struct dhcp6_msg *m)
{
	char name[DHCP6_DOMAIN_MAX + 1];
	size_t n = 0;
	uint8_t found = 0;
	char out[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
	while (rcur_left(v) > 0) {
		uint8_t ll = rcur_u8(v);
		if (ll == 0) {
			if (n > 0 && found < DHCP6_MAX_DOMAINS)
				memcpy(out[found++], name, n + 1);
			n = 0;
			continue;
		}
		if (ll > 63 || n + ll + 1 > DHCP6_DOMAIN_MAX || rcur_left(v) < ll)
			return false;
		if (n > 0)
			name[n++] = '.';
		for (uint8_t i = 0; i < ll; i++) {
			uint8_t ch = rcur_u8(v);
			bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				(ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
			if (!ok)
				return false;
			name[n++] = (char)ch;
		}
		name[n] = '\0';
	}
	if (n != 0)
		return false; /* a name without its root label */
	for (uint8_t i = 0; i < found && m->n_domains < DHCP6_MAX_DOMAINS; i++)
		memcpy(m->domains[m->n_domains++], out[i], strlen(out[i]) + 1);
	return true;
}

/* RFC 7078 §4: flags octet (A = 0x02, P = 0x01), then OPTION_ADDRSEL_TABLE rows. The prefix is
 * taken as whatever follows the three octets, at least ceil(plen/8) and at most 16 of them. */
static bool dhcp6_addrsel_decode(struct rcur *v, uint16_t table_code, struct dhcp6_addrsel *as)
{
	memset(as, 0, sizeof(*as));
	uint8_t flags = rcur_u8(v);
	if (!rcur_ok(v))
		return false;
	as->automatic = flags & 0x02;
	as->privacy = flags & 0x01;
	uint16_t sub;
	struct rcur sv;
	while (tlv16_next(v, &sub, &sv)) {
		if (sub != table_code)
			continue;
		struct dhcp6_addrsel_row r;
		memset(&r, 0, sizeof(r));
		r.label = rcur_u8(&sv);
		r.precedence = rcur_u8(&sv);
		r.plen = rcur_u8(&sv);
		size_t pb = rcur_left(&sv);
		if (!rcur_ok(&sv) || r.plen > 128 || pb > 16 || pb < (size_t)(r.plen + 7) / 8)
			return false;
		rcur_bytes(&sv, r.prefix, pb);
		if (as->n_rows < DHCP6_MAX_ADDRSEL)
			as->rows[as->n_rows++] = r;
	}
	return rcur_ok(v);
}

bool dhcp6_parse_addrsel(const uint8_t *val, size_t len, uint16_t table_code,
	struct dhcp6_addrsel *out)
{
	struct rcur v = rcur_init(val, len);
	return dhcp6_addrsel_decode(&v, table_code, out);
}

static bool dhcp6_parse_addrsel_opt(struct rcur *v, struct dhcp6_msg *m)
{
	struct dhcp6_addrsel as;
	if (m->has_addrsel || !dhcp6_addrsel_decode(v, DHCP6_OPT_ADDRSEL_TABLE, &as))
		return false;
	m->has_addrsel = true;
	m->addrsel = as;
	return true;
}

static bool dhcp6_parse_u32_opt(struct rcur *v, bool *has, uint32_t *out, uint32_t lo, uint32_t hi)
{
	if (rcur_left(v) != 4 || *has)
		return false;
	uint32_t x = rcur_u32(v);
	if (x < lo || x > hi)
		return false;
	*has = true;
	*out = x;
	return true;
}

static void dhcp6_keep_raw(struct dhcp6_msg *m, uint16_t code, struct rcur *v)
{
	size_t n = rcur_left(v);
	if (m->n_raw >= DHCP6_MAX_RAW || n > DHCP6_RAW_MAX) {
		if (m->n_raw_dropped < UINT8_MAX)
			m->n_raw_dropped++;
		return;
	}
	struct dhcp6_raw_opt *r = &m->raw[m->n_raw++];
	r->code = code;
	r->len = (uint16_t)n;
	rcur_bytes(v, r->data, n);
}

/* §21.11: 11 fixed octets, then the authentication information. Only the first well-formed
 * Authentication option is kept; dhcp6_auth_locate finds the same one for the HMAC (§20.4.3). */
static bool dhcp6_auth_len_ok(size_t n)
{
	return n >= DHCP6_AUTH_HDR_LEN && n - DHCP6_AUTH_HDR_LEN <= DHCP6_AUTH_INFO_MAX;
}

static bool dhcp6_parse_auth(struct rcur *v, struct dhcp6_auth *a)
{
	size_t n = rcur_left(v);
	if (a->present || !dhcp6_auth_len_ok(n))
		return false;
	a->protocol = rcur_u8(v);
	a->algorithm = rcur_u8(v);
	a->rdm = rcur_u8(v);
	a->replay = rcur_u64(v);
	a->info_len = (uint8_t)(n - DHCP6_AUTH_HDR_LEN);
	rcur_bytes(v, a->info, a->info_len);
	a->present = true;
	return true;
}

bool dhcp6_auth_locate(const uint8_t *buf, size_t len, size_t *info_off)
{
	struct rcur c = rcur_init(buf, len);
	uint16_t code;
	struct rcur v;
	if (!rcur_skip(&c, DHCP6_HDR_LEN))
		return false;
	while (tlv16_next(&c, &code, &v)) {
		if (code != DHCP6_OPT_AUTH || !dhcp6_auth_len_ok(rcur_left(&v)))
			continue;
		*info_off = (size_t)(rcur_ptr(&v, 0) - buf) + DHCP6_AUTH_HDR_LEN;
		return true;
	}
	return false;
}

/* Information options: malformed ones are skipped (returns false) rather than fatal. */
static bool dhcp6_parse_info(struct dhcp6_msg *m, uint16_t code, struct rcur *v)
{
	switch (code) {
	case DHCP6_OPT_DNS_SERVERS: /* RFC 3646 §3: a multiple of 16 octets */
		if (rcur_left(v) == 0 || rcur_left(v) % 16 != 0)
			return false;
		while (rcur_left(v) > 0 && m->n_dns < DHCP6_MAX_DNS)
			rcur_addr6(v, m->dns[m->n_dns++]);
		return true;
	case DHCP6_OPT_DOMAIN_LIST:
		return dhcp6_parse_domains(v, m);
	case DHCP6_OPT_INFO_REFRESH_TIME: /* §21.23; the 600 s floor is applied by the client */
		return dhcp6_parse_u32_opt(v, &m->has_info_refresh, &m->info_refresh_s, 0,
			DHCP6_INFINITY);
	case DHCP6_OPT_SOL_MAX_RT: /* §21.24: MUST ignore values below 60 or above 86400 */
		return dhcp6_parse_u32_opt(v, &m->has_sol_max_rt, &m->sol_max_rt_s, 60, 86400);
	case DHCP6_OPT_INF_MAX_RT: /* §21.25: the same bounds */
		return dhcp6_parse_u32_opt(v, &m->has_inf_max_rt, &m->inf_max_rt_s, 60, 86400);
	case DHCP6_OPT_ADDRSEL:
		return dhcp6_parse_addrsel_opt(v, m);
	case DHCP6_OPT_AUTH:
		return dhcp6_parse_auth(v, &m->auth);
	case DHCP6_OPT_RECONF_MSG: /* §21.19: one octet, the message type */
		if (rcur_left(v) != 1 || m->has_reconf_msg)
			return false;
		m->has_reconf_msg = true;
		m->reconf_msg = rcur_u8(v);
		return true;
	case DHCP6_OPT_RECONF_ACCEPT: /* §21.20: no data */
		if (rcur_left(v) != 0 || m->reconf_accept)
			return false;
		m->reconf_accept = true;
		return true;
	default:
		dhcp6_keep_raw(m, code, v);
		return true;
	}
}

static enum dhcp6_err dhcp6_parse_oro(struct rcur *v, struct dhcp6_msg *m, bool *seen)
{
	if (*seen)
		return DHCP6_E_DUP;
	*seen = true;
	if (rcur_left(v) % 2 != 0) /* §21.7: a list of 2-octet codes */
		return DHCP6_E_BADOPT;
	while (rcur_left(v) > 0) {
		uint16_t c = rcur_u16(v);
		if (m->n_oro < DHCP6_MAX_ORO)
			m->oro[m->n_oro++] = c;
	}
	return DHCP6_E_OK;
}

static enum dhcp6_err dhcp6_parse_flag(struct rcur *v, size_t want, bool *has)
{
	if (*has)
		return DHCP6_E_DUP;
	if (rcur_left(v) != want) /* §21.8, §21.9, §21.14: fixed lengths */
		return DHCP6_E_BADOPT;
	*has = true;
	return DHCP6_E_OK;
}

static enum dhcp6_err dhcp6_parse_top(struct dhcp6_msg *m, uint16_t code, struct rcur *v,
	bool *oro_seen)
{
	enum dhcp6_err e;
	switch (code) {
	case DHCP6_OPT_CLIENTID:
		return dhcp6_parse_duid(v, &m->client_id);
	case DHCP6_OPT_SERVERID:
		return dhcp6_parse_duid(v, &m->server_id);
	case DHCP6_OPT_IA_NA:
	case DHCP6_OPT_IA_PD:
		return dhcp6_parse_ia(v, code, m);
	case DHCP6_OPT_ORO:
		return dhcp6_parse_oro(v, m, oro_seen);
	case DHCP6_OPT_PREFERENCE:
		e = dhcp6_parse_flag(v, 1, &m->has_preference);
		m->preference = rcur_u8(v);
		return e;
	case DHCP6_OPT_ELAPSED_TIME:
		e = dhcp6_parse_flag(v, 2, &m->has_elapsed);
		m->elapsed_cs = rcur_u16(v);
		return e;
	case DHCP6_OPT_RAPID_COMMIT:
		return dhcp6_parse_flag(v, 0, &m->rapid_commit);
	case DHCP6_OPT_STATUS_CODE:
		return dhcp6_parse_status(v, &m->status);
	default:
		if (!dhcp6_parse_info(m, code, v) && m->n_skipped < UINT8_MAX)
			m->n_skipped++;
		return DHCP6_E_OK;
	}
}

enum dhcp6_err dhcp6_parse(const uint8_t *buf, size_t len, struct dhcp6_msg *m)
{
	memset(m, 0, sizeof(*m));
	struct rcur c = rcur_init(buf, len);
	if (len < DHCP6_HDR_LEN)
		return DHCP6_E_SHORT;
	m->type = rcur_u8(&c);
	m->xid = (uint32_t)rcur_u8(&c) << 16;
	m->xid |= rcur_u16(&c);
	/* §9: relay messages (12, 13) have another layout; 0 is reserved. */
	if (m->type == 0 || m->type == 12 || m->type == 13)
		return DHCP6_E_TYPE;
	bool oro_seen = false;
	uint16_t code;
	struct rcur v;
	while (tlv16_next(&c, &code, &v)) {
		enum dhcp6_err e = dhcp6_parse_top(m, code, &v, &oro_seen);
		if (e != DHCP6_E_OK)
			return e;
	}
	return rcur_ok(&c) ? DHCP6_E_OK : DHCP6_E_OPTLEN;
}

/* ---- building ---- */

static void dhcp6_put_status(struct wcur *w, const struct dhcp6_status_opt *st)
{
	if (!st->present)
		return;
	struct wcur_mark mk = wcur_tlv_open(w, DHCP6_OPT_STATUS_CODE, 2, 2);
	wcur_put_u16(w, st->code);
	wcur_put_bytes(w, st->msg, strnlen(st->msg, DHCP6_STATUS_MSG_MAX));
	wcur_tlv_close(w, mk, 1, false);
}

static void dhcp6_put_ia(struct wcur *w, const struct dhcp6_ia *ia)
{
	bool na = ia->type == DHCP6_OPT_IA_NA;
	struct wcur_mark mk = wcur_tlv_open(w, na ? DHCP6_OPT_IA_NA : DHCP6_OPT_IA_PD, 2, 2);
	wcur_put_u32(w, ia->iaid);
	wcur_put_u32(w, ia->t1_s);
	wcur_put_u32(w, ia->t2_s);
	for (uint8_t i = 0; i < ia->n_addrs && i < DHCP6_MAX_IA_ADDR; i++) {
		const struct dhcp6_iaaddr *a = &ia->addrs[i];
		struct wcur_mark am = wcur_tlv_open(w, na ? DHCP6_OPT_IAADDR : DHCP6_OPT_IAPREFIX, 2, 2);
		if (na)
			wcur_put_bytes(w, a->addr, 16);
		wcur_put_u32(w, a->preferred_s);
		wcur_put_u32(w, a->valid_s);
		if (!na) {
			wcur_put_u8(w, a->plen);
			wcur_put_bytes(w, a->addr, 16);
		}
		dhcp6_put_status(w, &a->status);
		wcur_tlv_close(w, am, 1, false);
	}
	dhcp6_put_status(w, &ia->status);
	wcur_tlv_close(w, mk, 1, false);
}

static void dhcp6_put_bytes_opt(struct wcur *w, uint16_t code, const void *p, size_t n)
{
	if (n > UINT16_MAX) {
		w->full = true;
		return;
	}
	wcur_put_u16(w, code);
	wcur_put_u16(w, (uint16_t)n);
	wcur_put_bytes(w, p, n);
}

static void dhcp6_put_u32_opt(struct wcur *w, uint16_t code, uint32_t v)
{
	wcur_put_u16(w, code);
	wcur_put_u16(w, 4);
	wcur_put_u32(w, v);
}

static void dhcp6_put_domains(struct wcur *w, const struct dhcp6_msg *m)
{
	struct wcur_mark mk = wcur_tlv_open(w, DHCP6_OPT_DOMAIN_LIST, 2, 2);
	for (uint8_t i = 0; i < m->n_domains && i < DHCP6_MAX_DOMAINS; i++) {
		const char *s = m->domains[i];
		while (*s) {
			size_t ll = strcspn(s, ".");
			if (ll == 0 || ll > 63)
				w->full = true; /* empty or overlong label: refuse to build */
			wcur_put_u8(w, (uint8_t)ll);
			wcur_put_bytes(w, s, ll);
			s += ll;
			if (*s == '.')
				s++;
		}
		wcur_put_u8(w, 0);
	}
	wcur_tlv_close(w, mk, 1, false);
}

static void dhcp6_put_addrsel(struct wcur *w, const struct dhcp6_addrsel *as)
{
	struct wcur_mark mk = wcur_tlv_open(w, DHCP6_OPT_ADDRSEL, 2, 2);
	wcur_put_u8(w, (uint8_t)((as->automatic ? 0x02 : 0) | (as->privacy ? 0x01 : 0)));
	for (uint8_t i = 0; i < as->n_rows && i < DHCP6_MAX_ADDRSEL; i++) {
		const struct dhcp6_addrsel_row *r = &as->rows[i];
		struct wcur_mark rm = wcur_tlv_open(w, DHCP6_OPT_ADDRSEL_TABLE, 2, 2);
		wcur_put_u8(w, r->label);
		wcur_put_u8(w, r->precedence);
		wcur_put_u8(w, r->plen);
		wcur_put_bytes(w, r->prefix, 16);
		wcur_tlv_close(w, rm, 1, false);
	}
	wcur_tlv_close(w, mk, 1, false);
}

static void dhcp6_put_info(struct wcur *w, const struct dhcp6_msg *m)
{
	if (m->n_dns > 0)
		dhcp6_put_bytes_opt(w, DHCP6_OPT_DNS_SERVERS, m->dns,
			(size_t)(m->n_dns <= DHCP6_MAX_DNS ? m->n_dns : DHCP6_MAX_DNS) * 16);
	if (m->n_domains > 0)
		dhcp6_put_domains(w, m);
	if (m->has_info_refresh)
		dhcp6_put_u32_opt(w, DHCP6_OPT_INFO_REFRESH_TIME, m->info_refresh_s);
	if (m->has_sol_max_rt)
		dhcp6_put_u32_opt(w, DHCP6_OPT_SOL_MAX_RT, m->sol_max_rt_s);
	if (m->has_inf_max_rt)
		dhcp6_put_u32_opt(w, DHCP6_OPT_INF_MAX_RT, m->inf_max_rt_s);
	if (m->has_addrsel)
		dhcp6_put_addrsel(w, &m->addrsel);
	if (m->has_reconf_msg)
		dhcp6_put_bytes_opt(w, DHCP6_OPT_RECONF_MSG, &m->reconf_msg, 1);
	if (m->auth.present) {
		const struct dhcp6_auth *a = &m->auth;
		if (a->info_len > DHCP6_AUTH_INFO_MAX)
			w->full = true;
		wcur_put_u16(w, DHCP6_OPT_AUTH);
		wcur_put_u16(w, (uint16_t)(DHCP6_AUTH_HDR_LEN + a->info_len));
		wcur_put_u8(w, a->protocol);
		wcur_put_u8(w, a->algorithm);
		wcur_put_u8(w, a->rdm);
		wcur_put_u64(w, a->replay);
		wcur_put_bytes(w, a->info, a->info_len <= DHCP6_AUTH_INFO_MAX ? a->info_len : 0);
	}
	for (uint8_t i = 0; i < m->n_raw && i < DHCP6_MAX_RAW; i++) {
		const struct dhcp6_raw_opt *r = &m->raw[i];
		if (r->len > DHCP6_RAW_MAX)
			w->full = true;
		else
			dhcp6_put_bytes_opt(w, r->code, r->data, r->len);
	}
}

int dhcp6_build(const struct dhcp6_msg *m, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);
	if (m->xid > 0xffffff || m->client_id.len > DHCP6_DUID_MAX ||
	    m->server_id.len > DHCP6_DUID_MAX)
		return -1;
	wcur_put_u8(&w, m->type);
	wcur_put_u8(&w, (uint8_t)(m->xid >> 16));
	wcur_put_u16(&w, (uint16_t)m->xid);
	if (m->client_id.len)
		dhcp6_put_bytes_opt(&w, DHCP6_OPT_CLIENTID, m->client_id.b, m->client_id.len);
	if (m->server_id.len)
		dhcp6_put_bytes_opt(&w, DHCP6_OPT_SERVERID, m->server_id.b, m->server_id.len);
	for (uint8_t i = 0; i < m->n_ia && i < DHCP6_MAX_IA; i++)
		dhcp6_put_ia(&w, &m->ia[i]);
	if (m->has_elapsed) {
		wcur_put_u16(&w, DHCP6_OPT_ELAPSED_TIME);
		wcur_put_u16(&w, 2);
		wcur_put_u16(&w, m->elapsed_cs);
	}
	if (m->n_oro > 0) {
		struct wcur_mark mk = wcur_tlv_open(&w, DHCP6_OPT_ORO, 2, 2);
		for (uint8_t i = 0; i < m->n_oro && i < DHCP6_MAX_ORO; i++)
			wcur_put_u16(&w, m->oro[i]);
		wcur_tlv_close(&w, mk, 1, false);
	}
	if (m->rapid_commit) {
		wcur_put_u16(&w, DHCP6_OPT_RAPID_COMMIT);
		wcur_put_u16(&w, 0);
	}
	if (m->reconf_accept) {
		wcur_put_u16(&w, DHCP6_OPT_RECONF_ACCEPT);
		wcur_put_u16(&w, 0);
	}
	if (m->has_preference)
		dhcp6_put_bytes_opt(&w, DHCP6_OPT_PREFERENCE, &m->preference, 1);
	dhcp6_put_status(&w, &m->status);
	dhcp6_put_info(&w, m);
	return wcur_ok(&w) && w.len <= (size_t)INT32_MAX ? (int)w.len : -1;
}

/* ---- DUIDs (RFC 8415 §11.2-11.4, RFC 6355 §4) ---- */

void dhcp6_duid_ll(struct dhcp6_duid *d, const uint8_t mac[6])
{
	struct wcur w = wcur_init(d->b, sizeof(d->b));
	wcur_put_u16(&w, 3); /* DUID-LL */
	wcur_put_u16(&w, 1); /* hardware type Ethernet */
	wcur_put_bytes(&w, mac, 6);
	d->len = (uint16_t)w.len;
}

void dhcp6_duid_llt(struct dhcp6_duid *d, const uint8_t mac[6], uint32_t time_s)
{
	struct wcur w = wcur_init(d->b, sizeof(d->b));
	wcur_put_u16(&w, 1); /* DUID-LLT */
	wcur_put_u16(&w, 1);
	wcur_put_u32(&w, time_s);
	wcur_put_bytes(&w, mac, 6);
	d->len = (uint16_t)w.len;
}

bool dhcp6_duid_en(struct dhcp6_duid *d, uint32_t enterprise, const uint8_t *id, size_t id_len)
{
	if (id_len == 0 || id_len > DHCP6_DUID_MAX - 6)
		return false;
	struct wcur w = wcur_init(d->b, sizeof(d->b));
	wcur_put_u16(&w, 2); /* DUID-EN */
	wcur_put_u32(&w, enterprise);
	wcur_put_bytes(&w, id, id_len);
	d->len = (uint16_t)w.len;
	return true;
}

void dhcp6_duid_uuid(struct dhcp6_duid *d, const uint8_t uuid[16])
{
	struct wcur w = wcur_init(d->b, sizeof(d->b));
	wcur_put_u16(&w, 4); /* DUID-UUID, RFC 6355 §4 */
	wcur_put_bytes(&w, uuid, 16);
	d->len = (uint16_t)w.len;
}

/* ---- UDP over IPv6 ---- */


int dhcp6_build_udp6(const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
	const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t ulen = DHCP6_UDP_HDR_LEN + len;
	if (ulen > UINT16_MAX || cap < DHCP6_IP6_HDR_LEN + ulen)
		return -1;
	struct wcur w = wcur_init(out, cap);
	wcur_put_u32(&w, 0x60000000u); /* version 6, traffic class 0, flow label 0 */
	wcur_put_u16(&w, (uint16_t)ulen);
	wcur_put_u8(&w, 17); /* UDP */
	wcur_put_u8(&w, 1);  /* hop limit: link-local multicast to ff02::1:2 */
	wcur_put_bytes(&w, src, 16);
	wcur_put_bytes(&w, dst, 16);
	wcur_put_u16(&w, sport);
	wcur_put_u16(&w, dport);
	wcur_put_u16(&w, (uint16_t)ulen);
	wcur_put_u16(&w, 0);
	wcur_put_bytes(&w, payload, len);
	if (!wcur_ok(&w))
		return -1;
	uint64_t sum = csum_pseudo6(src, dst, ulen, 17);
	sum = csum_add(sum, out + DHCP6_IP6_HDR_LEN, ulen);
	uint16_t ck = (uint16_t)~csum_fold(sum);
	wcur_patch_u16(&w, DHCP6_IP6_HDR_LEN + 6, ck ? ck : 0xffff); /* RFC 8200 §8.1: 0 -> ffff */
	return (int)w.len;
}

enum dhcp6_err dhcp6_parse_udp6(const uint8_t *pkt, size_t len, struct dhcp6_udp6 *out)
{
	return dhcp6_parse_udp6_csum(pkt, len, false, out);
}

enum dhcp6_err dhcp6_parse_udp6_csum(const uint8_t *pkt, size_t len, bool csum_partial,
	struct dhcp6_udp6 *out)
{
	memset(out, 0, sizeof(*out));
	struct rcur c = rcur_init(pkt, len);
	uint32_t vtf = rcur_u32(&c);
	uint16_t plen = rcur_u16(&c);
	uint8_t nh = rcur_u8(&c);
	rcur_skip(&c, 1);
	rcur_addr6(&c, out->src);
	rcur_addr6(&c, out->dst);
	if (!rcur_ok(&c) || (vtf >> 28) != 6 || nh != 17 || plen > rcur_left(&c))
		return DHCP6_E_IP6;
	struct rcur u;
	rcur_sub(&c, plen, &u);
	uint16_t sport = rcur_u16(&u), dport = rcur_u16(&u), ulen = rcur_u16(&u), ck = rcur_u16(&u);
	if (!rcur_ok(&u) || ulen < DHCP6_UDP_HDR_LEN || ulen > plen)
		return DHCP6_E_IP6;
	/* RFC 8415 §7.2 names the ports each side listens on; the source port of a server's
	 * answer is not fixed by it, and wide-dhcpv6's dhcp6s answers from an ephemeral port. */
	(void)sport;
	if (dport != DHCP6_CLIENT_PORT)
		return DHCP6_E_PORT;
	/* RFC 8200 §8.1: a zero UDP checksum over IPv6 MUST be discarded. */
	uint64_t sum = csum_pseudo6(out->src, out->dst, ulen, 17);
	sum = csum_add(sum, pkt + DHCP6_IP6_HDR_LEN, ulen);
	if (!csum_partial && (ck == 0 || csum_fold(sum) != 0xffff))
		return DHCP6_E_CSUM;
	out->payload_off = DHCP6_IP6_HDR_LEN + DHCP6_UDP_HDR_LEN;
	out->payload_len = (size_t)ulen - DHCP6_UDP_HDR_LEN;
	return DHCP6_E_OK;
}
