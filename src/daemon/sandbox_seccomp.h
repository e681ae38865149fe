/* The daemon's seccomp allow-list (libseccomp), installed once start-up is over: the system
 * calls of its control loop, data-path threads, files, sockets, netlink and TUN devices, and
 * nothing else (no exec, fork, mount, ptrace, module or key calls). A call outside the list is
 * never executed: it is trapped, reported on stderr ("v6link: seccomp: system call ptrace
 * (101) not allowed; killed by SIGSYS") and the process dies by SIGSYS. Programs the daemon
 * runs come from the spawner (spawn.h), which forks before the filter and is not bound by it. */
#ifndef V6L_DAEMON_SANDBOX_SECCOMP_H
#define V6L_DAEMON_SANDBOX_SECCOMP_H

/* Sets no_new_privs, installs the SIGSYS reporter and loads the filter on the calling thread
 * (and, with TSYNC, any other: call it before threads start so that each inherits it). 0, or
 * -1 (logged; nothing installed). */
int sandbox_seccomp_install(void);

/* The number of system calls the list allows on this architecture (after the last install). */
unsigned sandbox_seccomp_n_allowed(void);

#endif
