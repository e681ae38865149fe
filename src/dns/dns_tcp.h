/* DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message follows a two-octet length.
 * Pure: finds whole messages in the bytes a stream socket delivered so far, from clients (queries,
 * several per connection) and from upstream servers (the answer). No I/O. */
#ifndef V6L_DNS_TCP_H
#define V6L_DNS_TCP_H

#include <stddef.h>
#include <stdint.h>

/* MORE: no whole message yet; MSG: a whole message is there; BAD: the length announced is
 * outside the range the caller accepts, and no more bytes can change that (close the stream). */
enum dns_tcp_state { DNS_TCP_MORE, DNS_TCP_MSG, DNS_TCP_BAD };

/* Looks at the first message of buf[0..len): MSG with *msg_len its length (the message is
 * buf[2..2 + *msg_len)), MORE (*msg_len the length announced, or 0 before two bytes came), or BAD
 * when that length is below min_len or above max_len. A buffer of 2 + max_len bytes always holds
 * a whole message. */
enum dns_tcp_state dns_tcp_next(const uint8_t *buf, size_t len, size_t min_len, size_t max_len,
				size_t *msg_len);

/* Removes the first message (2 + msg_len bytes, msg_len as dns_tcp_next gave with MSG) from
 * buf[0..*len), moving what follows to the front. */
void dns_tcp_consume(uint8_t *buf, size_t *len, size_t msg_len);

#endif
