/* Small files of a connection: what must survive a restart in its state dir (DHCPv6 DUID, IPv6CP
 * interface identifier, RFC 7217 secret), and in its run dir the record of a live PPPoE session,
 * so that the start after a crash ends that session with a PADT instead of leaving the ISP with
 * two sessions for one account. */
#include "engine/conn_priv.h"

#include "core/log.h"
#include "engine/conn_rec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONN_STATE_PATH_MAX (CFG_PATH_MAX + 96)

/* mkdir -p, for the run and state dirs (created 0755, as /run/v6link and /var/lib/v6link). */
static void conn_mkdir_p(const char *dir)
{
	char p[CFG_PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void conn_path(char *out, size_t cap, const char *dir, const char *name, const char *ext)
{
	snprintf(out, cap, "%s/%s.%s", dir, name, ext);
}

/* Writes buf as dir/name.ext atomically (temp file, fsync, rename), mode 0600. */
static int conn_file_write(const char *dir, const char *name, const char *ext, const uint8_t *buf,
			   size_t len)
{
	char path[CONN_STATE_PATH_MAX], tmp[CONN_STATE_PATH_MAX + 8];
	conn_mkdir_p(dir);
	conn_path(path, sizeof(path), dir, name, ext);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	bool ok = write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int conn_file_read(const char *dir, const char *name, const char *ext, uint8_t *buf,
			  size_t cap, size_t *len)
{
	char path[CONN_STATE_PATH_MAX];
	conn_path(path, sizeof(path), dir, name, ext);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

int conn_state_read(const struct conn *c, const char *ext, uint8_t *buf, size_t cap,
		    uint16_t *len)
{
	size_t n;
	if (conn_file_read(c->cfg.state_dir, c->cfg.name, ext, buf, cap, &n) < 0)
		return -1;
	*len = (uint16_t)n;
	return 0;
}

int conn_state_write(const struct conn *c, const char *ext, const uint8_t *buf, size_t len)
{
	return conn_file_write(c->cfg.state_dir, c->cfg.name, ext, buf, len);
}

/* /etc/machine-id: 32 hex digits, the host's stable identity (used for DUID-UUID and -EN). */
bool conn_machine_id(uint8_t out[16])
{
	char hex[40] = "";
	FILE *f = fopen("/etc/machine-id", "r");
	if (!f)
		return false;
	bool ok = fgets(hex, sizeof(hex), f) != NULL;
	fclose(f);
	for (int i = 0; ok && i < 16; i++) {
		unsigned v;
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
		out[i] = (uint8_t)v;
	}
	return ok;
}

/* --- the session record --- */

void conn_session_record(const struct conn *c)
{
	char path[CONN_STATE_PATH_MAX], text[256];
	const struct conn_link *l = &c->lk;
	if (!l->has_session) {
		conn_path(path, sizeof(path), c->cfg.run_dir, c->cfg.name, "session");
		unlink(path);
		return;
	}
	struct conn_session_rec r = {
		.session_id = l->session_id,
		.vlan_id = c->cfg.has_vlan ? c->cfg.vlan_id : 0,
		.prio = c->cfg.has_vlan ? c->cfg.prio : 0,
	};
	snprintf(r.adapter, sizeof(r.adapter), "%s", l->eth.name);
	memcpy(r.ac_mac, l->ac_mac, 6);
	memcpy(r.our_mac, l->eth.mac, 6);
	int n = conn_rec_format(&r, text, sizeof(text));
	if (n < 0 || conn_file_write(c->cfg.run_dir, c->cfg.name, "session", (const uint8_t *)text,
				     (size_t)n) < 0)
		log_warn("conn[%s]: cannot record the session in %s", c->cfg.name, c->cfg.run_dir);
}

int conn_session_record_read(const struct conn_cfg *cfg, struct conn_session_rec *r)
{
	char path[CONN_STATE_PATH_MAX], text[512];
	size_t n;
	if (conn_file_read(cfg->run_dir, cfg->name, "session", (uint8_t *)text, sizeof(text), &n) < 0)
		return -1;
	if (!conn_rec_parse(text, n, r)) {
		conn_path(path, sizeof(path), cfg->run_dir, cfg->name, "session");
		log_warnx("conn[%s]: %s: unreadable session record removed", cfg->name, path);
		unlink(path);
		return -1;
	}
	return 0;
}

void conn_session_record_clear(const struct conn_cfg *cfg)
{
	char path[CONN_STATE_PATH_MAX];
	conn_path(path, sizeof(path), cfg->run_dir, cfg->name, "session");
	unlink(path);
}

/* --- the raised MTU record --- */

void conn_mtu_record(const struct conn *c, const struct conn_mtu_rec *r)
{
	char text[160];
	int n = conn_mtu_rec_format(r, text, sizeof(text));
	if (n < 0 || conn_file_write(c->cfg.run_dir, c->cfg.name, "mtu", (const uint8_t *)text,
				     (size_t)n) < 0)
		log_warn("conn[%s]: cannot record the raised MTU of %s in %s", c->cfg.name, r->dev,
			 c->cfg.run_dir);
}

void conn_mtu_record_clear(const struct conn_cfg *cfg)
{
	char path[CONN_STATE_PATH_MAX];
	conn_path(path, sizeof(path), cfg->run_dir, cfg->name, "mtu");
	unlink(path);
}

void conn_mtu_record_recover(const struct conn_cfg *cfg)
{
	char path[CONN_STATE_PATH_MAX], text[256];
	struct conn_mtu_rec r;
	size_t n;
	if (conn_file_read(cfg->run_dir, cfg->name, "mtu", (uint8_t *)text, sizeof(text), &n) < 0)
		return;
	conn_path(path, sizeof(path), cfg->run_dir, cfg->name, "mtu");
	if (!conn_mtu_rec_parse(text, n, &r))
		log_warnx("conn[%s]: %s: unreadable MTU record removed", cfg->name, path);
	else
		conn_host_mtu_restore(cfg->name, &r);
	unlink(path);
}
