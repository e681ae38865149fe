/* Small persistent state of connections (the DHCPv6 DUID) under CONN_STATE_DIR. */
#include "engine/conn_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int conn_state_read(const char *path, uint8_t *buf, size_t cap, uint16_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	if (n <= 0)
		return -1;
	*len = (uint16_t)n;
	return 0;
}

int conn_state_write(const char *path, const uint8_t *buf, size_t len)
{
	char tmp[300];
	mkdir(CONN_STATE_DIR, 0755);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
