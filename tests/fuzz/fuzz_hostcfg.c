/* Fuzzes the rtnetlink reply parser: the ack search for a sequence number taken from the input,
 * then every message of the buffer through the NLMSG_ERROR, RTM_NEWADDR and RTM_NEWLINK parsers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hostcfg/nlparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostcfg_nl_ack ack;
	struct hostcfg_nlmsg m;
	struct hostcfg_addr_info ai;
	struct hostcfg_link_info li;
	uint32_t seq = 0;
	if (size >= 12)
		memcpy(&seq, data + 8, sizeof(seq)); /* the first message's own seq: reach the ack */
	if (hostcfg_nl_parse_ack(data, size, seq, &ack) == HOSTCFG_NL_OK &&
		(ack.err < 0 || ack.err > 4095 || strlen(ack.msg) >= sizeof(ack.msg)))
		__builtin_trap();
	struct rcur c = rcur_init(data, size);
	while (hostcfg_nl_next(&c, &m)) {
		hostcfg_nl_parse_error(&m, &ack);
		if (hostcfg_nl_parse_addr(&m, &ai) == HOSTCFG_NL_OK &&
			(ai.plen > 128 || strlen(ai.label) >= sizeof(ai.label)))
			__builtin_trap();
		if (hostcfg_nl_parse_link(&m, &li) == HOSTCFG_NL_OK && strlen(li.name) >= sizeof(li.name))
			__builtin_trap();
	}
	return 0;
}
