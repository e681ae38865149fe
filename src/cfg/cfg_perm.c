/* The StrictModes decision for configuration files, hooks and their directories; see
 * cfg_perm.h. Pure: no I/O. */
#include "cfg/cfg_perm.h"

#include <stdio.h>

static const char *perm_writers(mode_t mode)
{
	bool g = mode & S_IWGRP, o = mode & S_IWOTH;
	return g && o ? "its group and others" : g ? "its group" : "others";
}

bool cfg_perm_ok(const char *path, const struct stat *st, enum cfg_perm_kind kind, uid_t self,
		 const char *what, char *err, size_t cap)
{
	mode_t mode = st->st_mode & 07777;
	if (kind == CFG_PERM_DIR ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		snprintf(err, cap, "%s: %s is not a %s", path, what,
			 kind == CFG_PERM_DIR ? "directory" : "regular file");
		return false;
	}
	if (kind == CFG_PERM_HOOK && !(mode & 0111)) {
		snprintf(err, cap, "%s: %s is not executable (mode %04o)", path, what,
			 (unsigned)mode);
		return false;
	}
	if (st->st_uid != 0 && st->st_uid != self) {
		if (self)
			snprintf(err, cap, "%s: %s is owned by uid %u: it must be owned by root or "
				 "uid %u (chown root %s)", path, what, (unsigned)st->st_uid,
				 (unsigned)self, path);
		else
			snprintf(err, cap, "%s: %s is owned by uid %u: it must be owned by root "
				 "(chown root %s)", path, what, (unsigned)st->st_uid, path);
		return false;
	}
	if (mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, cap, "%s: %s is writable by %s (mode %04o): only its owner may "
			 "write it (chmod go-w %s)", path, what, perm_writers(mode), (unsigned)mode,
			 path);
		return false;
	}
	return true;
}
