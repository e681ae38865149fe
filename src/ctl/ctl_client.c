/* CLI side of the control socket; see ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int ctl_client_connect(const char *path, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "v6link: cannot reach the daemon at %s: %s (is 'v6link run' running?)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* One send of the whole line: the daemon answers at the newline and closes, so a second
	 * write could meet a closed socket. MSG_NOSIGNAL: an early close is an error, not SIGPIPE. */
	char req[160];
	int rn = snprintf(req, sizeof(req), "%s\n", line);
	if (rn < 0 || (size_t)rn >= sizeof(req) || send(fd, req, (size_t)rn, MSG_NOSIGNAL) != rn) {
		fprintf(stderr, "v6link: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int ctl_client_request(const char *path, const char *line)
{
	int fd = ctl_client_connect(path, line);
	if (fd < 0)
		return 1;
	char buf[4096];
	size_t have = 0;
	int first = 1, rc = 1;
	ssize_t n;
	/* The first line says ok or error; the rest is the body. */
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = 0;
		if (first) {
			char *nl = strchr(buf, '\n');
			if (!nl && have < sizeof(buf) - 1)
				continue;
			if (nl)
				*nl = 0;
			first = 0;
			if (!strncmp(buf, "ok", 2)) {
				rc = 0;
			} else {
				fprintf(stderr, "v6link: %s\n", !strncmp(buf, "error ", 6) ? buf + 6 : buf);
				rc = 1;
			}
			if (nl)
				fputs(nl + 1, rc ? stderr : stdout);
		} else {
			fputs(buf, rc ? stderr : stdout);
		}
		have = 0;
	}
	close(fd);
	return rc;
}

/* Reads the status line byte by byte, so nothing of the binary body is consumed with it. */
static int ctl_client_status(int fd)
{
	char line[256];
	size_t n = 0;
	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = 0;
	if (!strcmp(line, "ok"))
		return 0;
	fprintf(stderr, "v6link: %s\n", !strncmp(line, "error ", 6) ? line + 6 :
		n ? line : "the daemon closed the connection");
	return 1;
}

int ctl_client_stream(const char *path, const char *line, int out_fd)
{
	int fd = ctl_client_connect(path, line);
	if (fd < 0)
		return 1;
	int rc = ctl_client_status(fd);
	char buf[65536];
	ssize_t n;
	while (!rc && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out_fd, buf + off, (size_t)(n - off));
			if (w <= 0) {
				/* The reader (wireshark, tshark, head) went away: a normal end. */
				close(fd);
				return errno == EPIPE ? 0 : 1;
			}
			off += w;
		}
	}
	close(fd);
	return rc;
}
