/* RFC 8415 §20.4 Reconfigure Key Authentication Protocol (RKAP): the HMAC-MD5 a server puts in a
 * Reconfigure, computed over the whole message with the digest field zeroed, keyed with the
 * Reconfigure Key it sent in a Reply. Pure (nettle); no other authentication protocol. */
#ifndef V6L_DHCP6_AUTH_H
#define V6L_DHCP6_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp6/dhcp6_codec.h"

/* Computes HMAC-MD5(key, buf[0..len)) with the 16 octets at digest_off taken as zero (§20.4.2)
 * into out. Returns false if they do not lie inside buf. */
bool dhcp6_rkap_hmac(const uint8_t *buf, size_t len, size_t digest_off,
	const uint8_t key[DHCP6_RKAP_VALUE_LEN], uint8_t out[DHCP6_RKAP_VALUE_LEN]);

/* True if the Reconfigure buf[0..len) carries an RKAP Authentication option (protocol 3,
 * algorithm 1, RDM 0, type 2 and a 16-octet digest: dhcp6_auth_locate's option) whose digest is
 * the HMAC-MD5 of the message under key (§20.4.3). Compared in constant time. */
bool dhcp6_rkap_verify(const uint8_t *buf, size_t len, const uint8_t key[DHCP6_RKAP_VALUE_LEN]);

/* The server's side, for tests and the fuzzer: writes the HMAC-MD5 under key into the digest
 * field of buf's RKAP Authentication option (type 2). Returns false if there is no such option. */
bool dhcp6_rkap_sign(uint8_t *buf, size_t len, const uint8_t key[DHCP6_RKAP_VALUE_LEN]);

#endif
