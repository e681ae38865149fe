/* The record of a live PPPoE session that a connection keeps in its run dir (NAME.session), so
 * that the start after a crash can end the session with a PADT. Pure: text <-> struct. */
#ifndef V6L_CONN_REC_H
#define V6L_CONN_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_session_rec {
	char adapter[16];
	uint16_t session_id;    /* 1..0xfffe (RFC 2516 §4: 0xffff is reserved) */
	uint8_t ac_mac[6], our_mac[6];
	uint16_t vlan_id;       /* 0 = untagged */
	uint8_t prio;
};

/* Writes "key=value" lines into buf; returns the length, or -1 if it does not fit. */
int conn_rec_format(const struct conn_session_rec *r, char *buf, size_t cap);
/* Parses text[0..len) (need not be NUL-terminated); false unless adapter, session_id, ac_mac and
 * our_mac are present and valid, and every line is a known key, given once, with a value in
 * range. */
bool conn_rec_parse(const char *text, size_t len, struct conn_session_rec *out);

/* The record of an adapter MTU raised for RFC 4638 (NAME.mtu in the run dir), so that the start
 * after a crash puts it back: the adapter dev raised from..to and, when it is stacked on one, the
 * lower device raised lower_from..lower_to first (lower[0] == 0: none). */
struct conn_mtu_rec {
	char dev[16];
	uint16_t from, to;
	char lower[16];
	uint16_t lower_from, lower_to;
};

/* As conn_rec_format / conn_rec_parse: dev, from and to are needed (from < to); lower,
 * lower_from and lower_to come all three or none. */
int conn_mtu_rec_format(const struct conn_mtu_rec *r, char *buf, size_t cap);
bool conn_mtu_rec_parse(const char *text, size_t len, struct conn_mtu_rec *out);

#endif
