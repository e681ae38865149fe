/* systemd's readiness protocol (sd_notify(3), Type=notify): one datagram of NEWLINE-separated
 * VAR=value assignments to the AF_UNIX socket named by $NOTIFY_SOCKET. Written here rather than
 * linked from libsystemd: that library and the six it pulls in (libgcrypt, liblzma, libzstd,
 * liblz4, ...) cost the daemon about 1 MB of resident memory for three calls. */
#ifndef V6L_NOTIFY_H
#define V6L_NOTIFY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

/* The address in a $NOTIFY_SOCKET value: a path ("/run/...") or an abstract name ("@name",
 * the '@' becoming a NUL byte). false for anything else (empty, relative, too long, vsock:). */
bool notify_addr(const char *value, struct sockaddr_un *sa, socklen_t *len);

/* Sends state to $NOTIFY_SOCKET: 1 sent, 0 nothing to do (not run by systemd), -1 with errno. */
int notify_send(const char *state);

#endif
