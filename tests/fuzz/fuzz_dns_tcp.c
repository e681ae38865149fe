/* Fuzzes DNS-over-TCP framing (dns_tcp_next/dns_tcp_consume) as the proxy drives it, from
 * clients (queries of 12..DNS_UP_QUERY_MAX octets, several per connection) and from upstream
 * servers (answers up to DNS_MSG_MAX). Byte 0 picks the side; the rest is a list of chunks, each
 * a length byte then up to that many bytes, read as a socket delivers them: never more than the
 * buffer has room for. The messages found must be those of the whole stream read at once, in
 * order, whatever the cuts; a full buffer must never wait for more (a stall). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_codec.h"
#include "dns/dns_tcp.h"
#include "dns/dns_upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FZ_MSGS 512

struct fz_msg {
	size_t off, len; /* in the whole stream */
};

/* The reference: messages of the whole stream s[0..n); *bad when a length is out of range. */
static size_t fz_reference(const uint8_t *s, size_t n, size_t max_len, struct fz_msg *m,
			   bool *bad)
{
	size_t off = 0, k = 0;
	*bad = false;
	while (n - off >= 2 && k < FZ_MSGS) {
		size_t l = (size_t)s[off] << 8 | s[off + 1];
		if (l < DNS_HDR_LEN || l > max_len) {
			*bad = true;
			break;
		}
		if (n - off - 2 < l)
			break;
		m[k++] = (struct fz_msg){ off + 2, l };
		off += 2 + l;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t stream[1 << 17], buf[2 + DNS_MSG_MAX];
	static struct fz_msg want[FZ_MSGS];
	if (len < 1)
		return 0;
	size_t max_len = (data[0] & 1) ? DNS_MSG_MAX : DNS_UP_QUERY_MAX;
	size_t cap = 2 + max_len, n = 0;
	/* The stream, and the cuts a socket would make in it. */
	size_t cuts[4096], n_cuts = 0;
	for (size_t i = 1; i < len && n_cuts < 4096;) {
		size_t k = data[i++];
		if (k > len - i)
			k = len - i;
		if (k > sizeof(stream) - n)
			break;
		memcpy(stream + n, data + i, k);
		n += k;
		cuts[n_cuts++] = k;
		i += k;
	}
	bool want_bad;
	size_t n_want = fz_reference(stream, n, max_len, want, &want_bad);

	size_t held = 0, read_off = 0, consumed = 0, n_got = 0;
	bool got_bad = false;
	for (size_t c = 0; c < n_cuts && !got_bad && n_got < FZ_MSGS; c++) {
		size_t left = cuts[c];
		while (left > 0 && !got_bad && n_got < FZ_MSGS) {
			size_t room = cap - held, k = left < room ? left : room;
			if (k == 0)
				abort(); /* full buffer and no message: the proxy would stall */
			memcpy(buf + held, stream + read_off, k);
			held += k;
			read_off += k;
			left -= k;
			for (;;) {
				size_t mlen;
				enum dns_tcp_state st = dns_tcp_next(buf, held, DNS_HDR_LEN, max_len,
								     &mlen);
				if (st == DNS_TCP_BAD) {
					got_bad = true;
					break;
				}
				if (st == DNS_TCP_MORE) {
					if (held >= 2 && mlen + 2 <= held)
						abort();
					if (held == cap)
						abort();
					break;
				}
				if (n_got == FZ_MSGS)
					break;
				if (mlen + 2 > held || want[n_got].len != mlen ||
				    want[n_got].off != consumed + 2 ||
				    memcmp(buf + 2, stream + want[n_got].off, mlen) != 0)
					abort();
				n_got++;
				size_t before = held;
				dns_tcp_consume(buf, &held, mlen);
				if (held != before - (mlen + 2))
					abort();
				consumed += mlen + 2;
			}
		}
	}
	if (n_got < FZ_MSGS && (n_got != n_want || got_bad != want_bad))
		abort();
	return 0;
}
