/* sd_notify without libsystemd; see notify.h. */
#include "daemon/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool notify_addr(const char *value, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = value ? strlen(value) : 0;
	if (n < 2 || (value[0] != '/' && value[0] != '@') || n > sizeof(sa->sun_path) ||
	    (value[0] == '/' && n == sizeof(sa->sun_path)))
		return false; /* a path needs its NUL inside sun_path; an abstract name does not */
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, value, n);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/'));
	return true;
}

int notify_send(const char *state)
{
	const char *v = getenv("NOTIFY_SOCKET");
	if (!v || !v[0])
		return 0;
	struct sockaddr_un sa;
	socklen_t sl;
	if (!notify_addr(v, &sa, &sl)) {
		errno = EINVAL;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t r = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, sl);
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 1;
}
