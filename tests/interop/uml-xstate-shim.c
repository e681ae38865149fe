/*
 * LD_PRELOAD shim for the User-Mode Linux kernel (Debian user-mode-linux 6.1um).
 *
 * UML saves and restores each user process's FPU state with
 * PTRACE_{GET,SET}REGSET(NT_X86_XSTATE), using the size the host's GETREGSET
 * reports (2696 bytes on this AVX-512 host: x87, SSE, AVX, AVX-512, PKRU).
 * The host kernel rejects PTRACE_SETREGSET(NT_X86_XSTATE) with EFAULT unless
 * the buffer has the full *maximum* user XSAVE size, which on CPUs with AMX
 * is larger (11008 bytes: + TILECFG, TILEDATA), so UML dies at its first
 * context switch with "userspace - ptrace set fp regs failed, errno = 14".
 *
 * A short SETREGSET is widened here to the host size: read the tracee's
 * current full state, overlay UML's bytes, write it all back.  Only the AMX
 * components are then not context-switched by UML, and no process uses AMX
 * unless it asks for it with arch_prctl(ARCH_REQ_XCOMP_PERM).  On hosts where
 * the sizes already agree, every call passes through unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static size_t host_size; /* 0 = unknown */
static unsigned char *scratch;

long ptrace(enum __ptrace_request req, ...)
{
    va_list ap;
    va_start(ap, req);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);

    if (!real_ptrace)
        real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

    if (req == PTRACE_SETREGSET && (unsigned long)addr == NT_X86_XSTATE && data) {
        struct iovec *uiov = data;
        if (!host_size) {
            size_t cap = 64 * 1024;
            unsigned char *probe = malloc(cap);
            if (probe) {
                struct iovec piov = { probe, cap };
                if (real_ptrace(PTRACE_GETREGSET, pid, addr, &piov) == 0)
                    host_size = piov.iov_len;
                free(probe);
            }
            if (host_size)
                scratch = malloc(host_size);
            if (!scratch)
                host_size = 0;
        }
        if (host_size && uiov->iov_len < host_size) {
            int saved = errno;
            struct iovec fiov = { scratch, host_size };
            if (real_ptrace(PTRACE_GETREGSET, pid, addr, &fiov) == 0 &&
                fiov.iov_len == host_size) {
                memcpy(scratch, uiov->iov_base, uiov->iov_len);
                errno = saved;
                return real_ptrace(PTRACE_SETREGSET, pid, addr, &fiov);
            }
            errno = saved;
        }
    }
    return real_ptrace(req, pid, addr, data);
}
