/* DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8); see dns_tcp.h. */
#include "dns/dns_tcp.h"

#include <string.h>

enum dns_tcp_state dns_tcp_next(const uint8_t *buf, size_t len, size_t min_len, size_t max_len,
				size_t *msg_len)
{
	*msg_len = 0;
	if (len < 2)
		return DNS_TCP_MORE;
	size_t m = (size_t)buf[0] << 8 | buf[1];
	*msg_len = m;
	if (m < min_len || m > max_len)
		return DNS_TCP_BAD;
	return len - 2 >= m ? DNS_TCP_MSG : DNS_TCP_MORE;
}

void dns_tcp_consume(uint8_t *buf, size_t *len, size_t msg_len)
{
	size_t n = msg_len + 2 <= *len ? msg_len + 2 : *len;
	memmove(buf, buf + n, *len - n);
	*len -= n;
}
