/* pcapng block codec (draft-ietf-opsawg-pcapng): Section Header, Interface Description and
 * Enhanced Packet Blocks with their options, written in host byte order, and a validating parser.
 * State-change events travel as Wireshark Upper-PDU frames for the "syslog" dissector.
 * Pure: no I/O, no clock, no logging. No Simple Packet, Name Resolution or Statistics blocks. */
#ifndef V6L_PCAPNG_H
#define V6L_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

#define PCAPNG_BT_SHB 0x0a0d0d0aU
#define PCAPNG_BT_IDB 0x00000001U
#define PCAPNG_BT_EPB 0x00000006U
#define PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4dU

#define PCAPNG_BLOCK_MIN 12 /* type, total length, trailing total length */
#define PCAPNG_SHB_MIN 28
#define PCAPNG_IDB_MIN 20
#define PCAPNG_EPB_MIN 32
#define PCAPNG_EPB_DATA_OFF 28 /* packet data starts here within an EPB */

/* Option codes (pcapng §3.5, §4.1-4.3). */
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_OPT_SHB_HARDWARE 2
#define PCAPNG_OPT_SHB_OS 3
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_NAME 2
#define PCAPNG_OPT_IF_DESCRIPTION 3
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_EPB_FLAGS 2
#define PCAPNG_OPT_EPB_DROPCOUNT 4

#define PCAPNG_TSRESOL_NS 9 /* if_tsresol: 10^-9 s */

/* Link types (tcpdump.org LINKTYPE_*). */
#define PCAPNG_LINKTYPE_ETHERNET 1    /* Ethernet as on the wire, 802.1Q tags included */
#define PCAPNG_LINKTYPE_PPP 9         /* PPP, protocol field first (optional ff 03) */
#define PCAPNG_LINKTYPE_RAW 101       /* raw IPv4/IPv6: TUN devices */
#define PCAPNG_LINKTYPE_UPPER_PDU 252 /* LINKTYPE_WIRESHARK_UPPER_PDU: event markers */

/* Exported-PDU tag naming the dissector for an Upper-PDU frame (Wireshark exported_pdu.h). */
#define PCAPNG_EXP_PDU_TAG_END 0
#define PCAPNG_EXP_PDU_TAG_DISSECTOR_NAME 12

/* Syslog PRI of event frames (RFC 5424 §6.2.1): facility daemon (3). */
#define PCAPNG_EVENT_INFO 30
#define PCAPNG_EVENT_WARNING 28

/* epb_flags bits 0-1: direction (pcapng §4.3.1). */
enum pcapng_dir {
	PCAPNG_DIR_UNKNOWN = 0,
	PCAPNG_DIR_IN = 1,
	PCAPNG_DIR_OUT = 2,
};

enum pcapng_err {
	PCAPNG_OK = 0,
	PCAPNG_E_SHORT,      /* fewer bytes than the block header or its total length: read more */
	PCAPNG_E_LENGTH,     /* total length < 12, not a multiple of 4, or trailing copy differs */
	PCAPNG_E_BYTE_ORDER, /* SHB byte-order magic is not 0x1A2B3C4D in host order */
	PCAPNG_E_VERSION,    /* SHB major version is not 1 */
	PCAPNG_E_BODY,       /* fixed fields missing, or the packet data runs past the block */
	PCAPNG_E_OPT,        /* option runs past the block, or bytes follow opt_endofopt */
	PCAPNG_E_OPTLEN,     /* fixed-size option of the wrong size */
};

/* Returns a static English description of e. */
const char *pcapng_err_str(enum pcapng_err e);

/* A string option as found in a parsed block: borrowed, not NUL-terminated, len 0 if absent. */
struct pcapng_str {
	const uint8_t *p;
	size_t len;
};

/* A parsed block. Every pointer borrows the buffer handed to pcapng_parse_block and lives as
 * long as that buffer. Only the sub-struct matching `type` is filled; others stay zero. */
struct pcapng_block {
	uint32_t type;
	uint32_t total_len;
	unsigned n_opts;           /* options seen, opt_endofopt excluded */
	struct pcapng_str comment; /* the first opt_comment */
	struct {
		uint16_t major, minor;
		uint64_t section_len; /* UINT64_MAX: unspecified */
		struct pcapng_str hardware, os, userappl;
	} shb;
	struct {
		uint16_t linktype;
		uint32_t snaplen;
		struct pcapng_str name, desc;
		bool has_tsresol;
		uint8_t tsresol;
	} idb;
	struct {
		uint32_t if_id;
		uint64_t ts; /* in units of the interface's if_tsresol */
		uint32_t caplen, origlen;
		const uint8_t *data; /* caplen bytes */
		bool has_flags;
		uint32_t flags;
		bool has_dropcount;
		uint64_t dropcount;
	} epb;
};

/* Parses and validates the block at the cursor. On PCAPNG_OK the cursor moves past the block;
 * on any error it is left unchanged. PCAPNG_E_SHORT means the block may be complete once more
 * bytes arrive (out->total_len is set once the 8-byte header is there). Blocks of other types
 * are checked for framing only and returned with their type. */
enum pcapng_err pcapng_parse_block(struct rcur *c, struct pcapng_block *out);

/* Builders: append one whole block at w and return its length, or -1 (an input out of range or
 * no room) with w->len restored and nothing of the block left behind. Strings are NUL-terminated
 * UTF-8; NULL or "" omits the option. */

/* Section Header Block: version 1.0, section length unspecified, shb_userappl
 * "v6link <version>", shb_os os. */
int pcapng_build_shb(struct wcur *w, const char *os);

/* Interface Description Block with if_name, if_description and if_tsresol 9 (nanoseconds);
 * snaplen 0 means no limit. */
int pcapng_build_idb(struct wcur *w, uint16_t linktype, uint32_t snaplen, const char *name,
		     const char *desc);

/* What an Enhanced Packet Block says besides the packet bytes. */
struct pcapng_epb {
	uint32_t if_id;
	uint64_t ts_ns;      /* nanoseconds since the Unix epoch */
	uint32_t orig_len;   /* length on the wire; 0 means the captured length */
	enum pcapng_dir dir; /* PCAPNG_DIR_UNKNOWN omits epb_flags */
	const char *comment;
	bool has_dropcount;
	uint64_t dropcount;
};

/* Enhanced Packet Block holding pkt[0..caplen), padded to 4; -1 also if orig_len < caplen. */
int pcapng_build_epb(struct wcur *w, const struct pcapng_epb *e, const uint8_t *pkt,
		     size_t caplen);

/* An event marker on an Upper-PDU interface: the exported-PDU tag names the "syslog" dissector,
 * the payload is "<pri>text", and text is also the EPB's opt_comment. */
int pcapng_build_event(struct wcur *w, uint32_t if_id, uint64_t ts_ns, uint8_t pri,
		       const char *text);

#endif
