/* RFC 6724 policy table: the kernel's address labels (rtnetlink RTM_*ADDRLABEL) and the
 * precedences and labels of glibc's /etc/gai.conf (a managed block), driven by RFC 7078 rows.
 * Pure part (policy_table.c): the default table, merging, undo planning, the gai.conf block
 * editor and the RTM_NEWADDRLABEL parser. I/O part (policy_io.c): netlink, the file. */
#ifndef V6L_HOSTCFG_POLICY_H
#define V6L_HOSTCFG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostcfg/nlparse.h"

struct dhcp6_addrsel;

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

/* --- I/O: apply and undo ------------------------------------------------------------------- */

struct policy_state {
	char conn[16];
	char gai_path[256];   /* "" = gai.conf not managed */
	bool gai_applied;     /* our block is in the file */
	bool gai_had_file;    /* the file existed before our first write (else removed if empty) */
	bool gai_made_dir;    /* we created its directory (removed again if empty) */
	size_t n_recs;
	struct policy_rec recs[POLICY_MAX_ROWS];
};

/* Prepares state for connection conn. gai_path: NULL = leave gai.conf alone; "" = automatic:
 * /etc/netns/NAME/gai.conf inside a named network namespace (as `ip netns exec NAME` expects,
 * and only visible to processes started by it after the file exists), else /etc/gai.conf. */
void policy_init(struct policy_state *st, const char *conn, const char *gai_path);

/* Makes the host's policy table the RFC 6724 defaults merged with rows (the ISP's RFC 7078
 * table; n = 0: kernel labels untouched and gai.conf gets the RFC 6724 table, whose
 * precedences put native global addresses above ULA, 6to4 and Teredo where glibc's built-in
 * RFC 3484 table does not). Idempotent; a new set updates the last one. 0, or -1 after logging
 * each failure (changes that succeeded stay recorded for undo). */
int policy_apply(struct policy_state *st, const struct policy_row *rows, size_t n);

/* Restores every kernel label changed and removes the gai.conf block (deleting the file if v6link
 * created it and nothing else is in it). 0, or -1 after logging. */
int policy_undo(struct policy_state *st);

#endif
