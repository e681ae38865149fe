/* Who may change what v6link acts on as root (sshd's StrictModes): v6link.ini, connections.ini
 * and its directory, a hook= executable and its directory must be owned by root (or by the user
 * that started v6link) and writable by nobody else. The decision is pure (cfg_perm_ok on a stat
 * result); cfg_perm_check in cfg_io.c does the stat. secret.key has its own, stricter check
 * (secret.h). */
#ifndef V6L_CFG_PERM_H
#define V6L_CFG_PERM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cfg/cfg.h"

enum cfg_perm_kind {
	CFG_PERM_CONFIG, /* a configuration file: regular file */
	CFG_PERM_HOOK,   /* a hook: regular file with an execute bit */
	CFG_PERM_DIR,    /* the directory holding one of those */
};

/* Decides on st (from stat of path): the right file type, owner 0 or self, no group or other
 * write bit (a sticky world-writable directory such as /tmp fails too). what names the object
 * in the message ("configuration file", "hook", "directory of FILE"). On failure returns false
 * with "PATH: WHAT ...: REASON (FIX)" in err. */
bool cfg_perm_ok(const char *path, const struct stat *st, enum cfg_perm_kind kind, uid_t self,
		 const char *what, char *err, size_t cap);

/* Stats path (following symlinks) and checks it with cfg_perm_ok; with_dir, also its directory
 * and, for a symlink, the directory of the file it resolves to. Every problem goes to errs
 * ("cannot stat PATH: ..." for a missing file). Returns 0 when all pass, else -1. */
int cfg_perm_check(const char *path, enum cfg_perm_kind kind, uid_t self, bool with_dir,
		   struct cfg_msgs *errs);

#endif
