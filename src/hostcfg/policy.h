/* RFC 6724 policy table: the kernel's address labels (rtnetlink RTM_*ADDRLABEL) and the
 * precedences and labels of glibc's /etc/gai.conf (a managed block), driven by RFC 7078 rows.
 * Pure part (policy_table.c, policy_gai.c): the default table, merging, undo planning, the
 * gai.conf block editor and the RTM_NEWADDRLABEL parser. The daemon-wide owner below applies
 * them; its kernel glue is I/O (policy_io.c). */
#ifndef V6L_HOSTCFG_POLICY_H
#define V6L_HOSTCFG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostcfg/file.h"
#include "hostcfg/nlparse.h"
#include "hostcfg/state.h"

struct dhcp6_addrsel;
struct hostcfg_nl;

#define POLICY_MAX_ROWS 48      /* merged table: 9 defaults + RFC 7078 rows + kernel extras */
#define POLICY_MAX_KERNEL 128   /* kernel labels read in one dump */
#define POLICY_MAX_OPS (2 * POLICY_MAX_ROWS)
#define POLICY_GAI_MAX 65536    /* largest gai.conf handled (text in and out) */
#define POLICY_GAI_BEGIN "# BEGIN v6link (managed, do not edit)"
#define POLICY_GAI_END "# END v6link"
#define POLICY_LABEL_INVALID UINT32_MAX /* IPV6_ADDR_LABEL_DEFAULT: the kernel refuses it */

/* One policy table row (RFC 6724 §2.1, RFC 7078 §3); prefix bits past plen are zero. */
struct policy_row {
	uint8_t prefix[16];
	uint8_t plen;
	uint32_t precedence, label;
};

/* One kernel address label (`ip addrlabel`); ifindex 0 = all interfaces. */
struct policy_label {
	uint8_t prefix[16];
	uint8_t plen;
	uint32_t ifindex, label;
};

/* RFC 6724 §2.1 default policy table (9 rows), in the RFC's order. */
extern const struct policy_row policy_rfc6724_default[];
extern const size_t policy_rfc6724_default_len;

/* Copies the RFC 7078 rows of as into out[cap] (normalized: masked, plen <= 128); returns the
 * count, at most cap. */
size_t policy_rows_from_addrsel(const struct dhcp6_addrsel *as, struct policy_row *out, size_t cap);

/* Zeroes the prefix bits past plen (plen > 128 is clamped by the caller: see rows_normalize). */
void policy_prefix_mask(uint8_t prefix[16], uint8_t plen);

/* Merges add into base: a row with the prefix/length of a base row replaces that row in place,
 * any other is appended; a later duplicate within add wins over an earlier one. Rows with
 * plen > 128 or label POLICY_LABEL_INVALID are skipped. Writes out[cap] (may not alias the
 * inputs); returns the count, or -1 if it does not fit. */
int policy_table_merge(const struct policy_row *base, size_t n_base, const struct policy_row *add,
	size_t n_add, struct policy_row *out, size_t cap);

/* The table for the ISP's rows: nothing (n = 0) leaves the host's own tables alone; otherwise
 * the RFC 6724 defaults merged with rows, so the ISP's label numbers mean what RFC 7078
 * assumes (its labels are RFC 6724's, not Linux's). Returns the count or -1. */
int policy_effective(const struct policy_row *rows, size_t n, struct policy_row *out, size_t cap);

/* --- kernel address labels: merge plan and undo records ------------------------------------ */

/* What v6link changed in the kernel's label table for one prefix/length (ifindex 0): the label
 * it set, and what was there before (restored on undo: re-added, or ours deleted). */
struct policy_rec {
	uint8_t prefix[16];
	uint8_t plen;
	uint32_t label;
	bool had_old;
	uint32_t old_label;
};

enum policy_op_kind { POLICY_OP_ADD, POLICY_OP_REPLACE, POLICY_OP_DEL };

/* One change to send to the kernel. is_restore: it undoes record (prefix, plen); else it sets a
 * wanted row and had_old/old_label say what to remember if no record exists yet. */
struct policy_op {
	enum policy_op_kind kind;
	bool is_restore, had_old;
	uint8_t prefix[16];
	uint8_t plen;
	uint32_t label, old_label;
};

const char *policy_op_kind_name(enum policy_op_kind k);

/* Plans the kernel changes from the current labels cur (only ifindex 0 rows count), the
 * records recs of earlier changes and the wanted rows: records no longer wanted are restored
 * first, newest first; then each wanted prefix/length whose label differs is replaced, each
 * missing one added. Nothing else is deleted. want = NULL/0 plans the full undo. Writes
 * ops[cap]; returns the count, or -1 if cap is too small. */
int policy_plan(const struct policy_label *cur, size_t n_cur, const struct policy_rec *recs,
	size_t n_recs, const struct policy_row *want, size_t n_want, struct policy_op *ops,
	size_t cap);

/* Updates the records after op succeeded in the kernel: a restore drops its record, a set
 * updates or adds one. Returns false (records unchanged) if recs is full. */
bool policy_rec_commit(struct policy_rec *recs, size_t *n_recs, size_t cap,
	const struct policy_op *op);

/* Parses one RTM_NEWADDRLABEL (struct ifaddrlblmsg, IFAL_ADDRESS, IFAL_LABEL). */
enum hostcfg_nl_err policy_nl_parse_label(const struct hostcfg_nlmsg *m, struct policy_label *out);

/* --- gai.conf managed block ---------------------------------------------------------------- */

/* Rewrites gai.conf text old[0..old_len) with the managed block holding rows as `precedence`
 * and `label` lines (glibc syntax). glibc drops its built-in table once a file has any line of
 * a kind, so rows should be a full table (policy_effective, or the defaults). The user's own
 * lines outside the block win: a prefix/length they set is left out of the block, and when they
 * have any line of a kind the RFC 6724 defaults of that kind are left out too (their table is
 * already complete). An existing block is replaced in place (extra blocks removed); a new one
 * is appended, or put first when old does not end in a newline, so strip gives old back byte
 * for byte. No rows left: no block. Writes out[cap] NUL-terminated; returns the length or -1. */
int policy_gai_render(const char *old, size_t old_len, const struct policy_row *rows, size_t n,
	char *out, size_t cap);

/* Removes every managed block (BEGIN line through END line; an unterminated block runs to the
 * end of the text), leaving everything else byte-identical. Returns the length or -1. */
int policy_gai_strip(const char *old, size_t old_len, char *out, size_t cap);

/* True if text holds a managed block. */
bool policy_gai_has_block(const char *text, size_t len);

/* --- the daemon-wide owner (issue #11) -------------------------------------------------------
 * One owner for the host's policy table: every connection sets or clears the RFC 7078 rows it
 * wants (none: the RFC 6724 defaults), the owner merges them into one table for the kernel
 * labels and one gai.conf block, and a state file written before each change (policy.state in
 * the instance's state directory) lets the next start undo a crash, once, before any
 * connection: labels still holding one of our values go back to what was there, the block
 * leaves gai.conf (deleted if v6link created it and nothing else is in it). A gai.conf that is
 * a symlink (or not a regular file) is someone else's: left alone, the labels still applied.
 * Pure part
 * (policy_saved.c): the merge, the state file codec and the recovery plan. Owner
 * (policy_own.c): the gai.conf file on the path it is given, the kernel through
 * policy_owner_ops. */

#define POLICY_OWNER_MAX 16  /* connections (CFG_MAX_CONNS) */
#define POLICY_STATE_FILE "policy.state"

/* One connection's wanted table: its ISP's RFC 7078 rows (n = 0: the RFC 6724 defaults). */
struct policy_contrib {
	bool is_set;
	unsigned id;             /* connection order: a lower id comes first */
	char name[16];
	size_t n;
	struct policy_row rows[POLICY_MAX_ROWS];
};

/* The merge of every contribution. */
struct policy_want {
	bool any_set;            /* some connection wants a table (else: everything restored) */
	bool has_isp;            /* some connection has RFC 7078 rows (else the kernel is left
				  * alone and rows are the RFC 6724 defaults, for gai.conf only) */
	size_t n;
	struct policy_row rows[POLICY_MAX_ROWS];
	size_t n_dropped;        /* ISP rows that did not fit, left out */
};

/* Merges c[n]: the RFC 6724 defaults with every set connection's rows, in connection order; a
 * prefix/length two connections set keeps the earlier connection's row (within one connection
 * the later row wins, as in policy_table_merge). Rows past POLICY_MAX_ROWS are counted in
 * n_dropped. A single connection gives what policy_effective gives. */
void policy_merge_contribs(const struct policy_contrib *c, size_t n, struct policy_want *out);

/* One kernel label as policy.state records it: the label(s) of ours (alt while a new one is
 * being set: either may be in the kernel) and what was there before. */
struct policy_saved_rec {
	uint8_t prefix[16];
	uint8_t plen;
	uint32_t label;
	bool has_alt;
	uint32_t alt_label;
	bool had_old;
	uint32_t old_label;
};

#define POLICY_KERNEL_ID_MAX 96 /* "BOOT_ID/NETNS_INODE" */

/* policy.state: what the host may hold of ours. */
struct policy_saved {
	char kernel[POLICY_KERNEL_ID_MAX];    /* the kernel (boot, network namespace) the labels are
					       * in; "" = unknown */
	char gai_path[HOSTCFG_PATH_MAX];      /* "" = gai.conf holds nothing of ours */
	bool gai_had_file;                    /* else delete it once the block is gone and it is empty */
	char gai_made_dir[HOSTCFG_PATH_MAX];  /* outermost directory created above it, or "" */
	size_t n_recs;
	struct policy_saved_rec recs[POLICY_MAX_OPS];
};

/* Parses state file text[len] into out; on an error *line (may be NULL) names the line. */
enum hostcfg_state_err policy_saved_parse(const char *text, size_t len, struct policy_saved *out,
	unsigned *line);

/* Renders s into buf[cap] (parse gives it back); returns the length or -1. */
int policy_saved_render(const struct policy_saved *s, char *buf, size_t cap);

/* Plans the restore of s's labels against the kernel's current ones (ifindex 0): newest record
 * first, each prefix/length the kernel holds with one of our labels goes back to its old label,
 * or is deleted if it had none; one the kernel does not hold at all gets its old label back if
 * it had one (a replace is a delete and an add, and a crash can fall between them); a label
 * someone else changed is left alone. The caller checks first that s->kernel is this kernel.
 * Writes ops[cap]; returns the count or -1 if cap is too small. */
int policy_saved_plan_restore(const struct policy_label *cur, size_t n_cur,
	const struct policy_saved *s, struct policy_op *ops, size_t cap);

/* The kernel side of the owner. */
struct policy_owner_ops {
	/* Reads the kernel's labels into cur[cap]: the count (more are dropped and counted in
	 * *n_dropped), or -1 after logging. */
	int (*dump)(void *ctx, struct policy_label *cur, size_t cap, size_t *n_dropped);
	/* Sends one change: 0, or -1 after logging (deleting a label already gone is 0). */
	int (*op)(void *ctx, const struct policy_op *op);
	/* Names this kernel's label table (boot and network namespace) into out[cap], printable
	 * without blanks; labels recorded under another name were reset since. 0 or -1; may be
	 * NULL (unknown: recorded labels are taken as this kernel's). */
	int (*kernel_id)(void *ctx, char *out, size_t cap);
};

struct policy_owner_cfg {
	const char *state_dir;   /* the instance's state directory, created if missing */
	const char *gai_path;    /* NULL = leave gai.conf alone; else the file (policy_gai_path) */
	const struct policy_owner_ops *ops;
	void *ops_ctx;
	struct hostcfg_crash *crash; /* tests only; NULL */
};

struct policy_owner {
	char state_path[HOSTCFG_PATH_MAX];
	char gai_path[HOSTCFG_PATH_MAX];
	const struct policy_owner_ops *ops;
	void *ops_ctx;
	struct hostcfg_crash *crash;
	struct policy_contrib c[POLICY_OWNER_MAX];
	char kernel[POLICY_KERNEL_ID_MAX]; /* this kernel's name (kernel_id), "" = unknown */
	bool has_saved;          /* the state file exists and saved is its content */
	bool is_stuck;           /* an earlier run's state could not be undone: hands off */
	struct policy_saved saved;
	size_t n_recs;           /* kernel labels changed (committed) */
	struct policy_rec recs[POLICY_MAX_ROWS];
	bool gai_applied, gai_had_file, is_gai_refused;
	char gai_made_dir[HOSTCFG_PATH_MAX];
	bool has_table;          /* the last sync applied a table */
	bool had_isp;            /* ... with ISP rows */
	size_t n_applied;        /* ... of n_applied rows */
	struct policy_row applied[POLICY_MAX_ROWS];
};

/* Creates the owner at daemon start, before any connection: checks cfg, creates the state
 * directory and undoes what an earlier run's state file records (then removes it). o is the
 * caller's. 0, or -1 after logging (bad configuration, no state directory). */
int policy_owner_open(struct policy_owner *o, const struct policy_owner_cfg *cfg);

/* Sets connection id's rows (copied; n = 0: the RFC 6724 defaults) and applies the merged
 * table. Unchanged input is a no-op. 0, or -1 after logging each failure (what succeeded stays
 * recorded, and the next set or clear tries again). */
int policy_owner_set(struct policy_owner *o, unsigned id, const char *name,
	const struct policy_row *rows, size_t n);

/* Clears connection id's rows and applies what the others want; the last one gone, every
 * label goes back, the block leaves gai.conf and the state file is removed. 0 or -1. */
int policy_owner_clear(struct policy_owner *o, unsigned id);

/* True if connection id has rows set. */
bool policy_owner_is_set(const struct policy_owner *o, unsigned id);

/* Undoes everything at daemon exit. 0, or -1 after logging. */
int policy_owner_close(struct policy_owner *o);

/* I/O glue (policy_io.c): labels over rtnetlink; ctx is a struct hostcfg_nl * that the caller
 * opened (hostcfg_nl_open) and keeps open while the owner lives. A replace is sent as deletes
 * of every entry of the prefix and an add: the kernel's NLM_F_REPLACE (and even an exclusive
 * add) adds a second, shadowing entry when another one of the same length comes first in its
 * list (net/ipv6/addrlabel.c, __ip6addrlbl_add). The kernel's name is
 * /proc/sys/kernel/random/boot_id and the inode of /proc/self/ns/net. */
extern const struct policy_owner_ops policy_nl_ops;

/* The automatic gai.conf: /etc/netns/NAME/gai.conf inside a named network namespace (as `ip
 * netns exec NAME` expects; only processes it starts after the file exists see it), else
 * /etc/gai.conf (written into out[cap]). */
void policy_gai_path(char *out, size_t cap);

/* policy_owner_open with policy_nl_ops over nl; gai_path NULL leaves gai.conf alone, "" picks
 * policy_gai_path. */
int policy_owner_open_sys(struct policy_owner *o, struct hostcfg_nl *nl, const char *state_dir,
	const char *gai_path);

#endif
