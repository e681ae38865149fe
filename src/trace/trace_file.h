/* Trace sink of one connection: pcapng files DIR/CONN-YYYYmmdd-HHMMSS[-N].pcapng written through
 * a user-space buffer, rotated at max_bytes, oldest files beyond keep_files deleted. Every block
 * also goes to an optional tap (live readers). An I/O error logs once and disables the file. */
#ifndef V6L_TRACE_FILE_H
#define V6L_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace/trace_stream.h"

#define TRACE_FILE_BUF_LEN 65536 /* bytes buffered before a write(2) */

struct trace_file;

/* Receives each block after the header, exactly as written to the file (secrets masked). */
typedef void (*trace_tap_fn)(void *arg, const uint8_t *blk, size_t len);

/* Opens a sink for conn_name and, when dir is not NULL, creates DIR (mode 0750, parents too)
 * and the first file (0640) holding the SHB and the events IDB. max_bytes 0 means no rotation,
 * keep_files 0 keeps every file. A file that cannot be created is logged and left disabled;
 * returns NULL only on a bad conn_name (errno EINVAL) or no memory. The caller owns the result. */
struct trace_file *trace_file_open(const char *dir, const char *conn_name, uint64_t max_bytes,
				   unsigned keep_files);

/* Registers an interface (PCAPNG_LINKTYPE_*) and writes its IDB at once; returns the interface
 * id for trace_file_packet, the existing id for a known linktype+name, or -1 if full or tf is
 * NULL. */
int trace_file_add_iface(struct trace_file *tf, uint16_t linktype, const char *name,
			 const char *desc);

/* Traces pkt[0..len) seen on if_id at ts_ns (CLOCK_REALTIME, ns); pkt is copied and the copy
 * masked. comment may be NULL. tf NULL: does nothing. */
void trace_file_packet(struct trace_file *tf, unsigned if_id, uint64_t ts_ns, bool outbound,
		       const uint8_t *pkt, size_t len, const char *comment);

/* Writes a state-change marker on the events interface. tf NULL: does nothing. */
void trace_file_event(struct trace_file *tf, uint64_t ts_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes out the buffer (the daemon calls this from a timer). tf NULL: does nothing. */
void trace_file_flush(struct trace_file *tf);

/* mkdir -p: creates dir and its missing parents with mode; 0, or -1 with errno. */
int trace_mkdir_p(const char *dir, mode_t mode);
/* Flushes, closes the file and frees tf. tf NULL: does nothing. */
void trace_file_close(struct trace_file *tf);

/* Sets (or with NULL clears) the tap that receives every later block. */
void trace_file_set_tap(struct trace_file *tf, trace_tap_fn tap, void *arg);

/* The registry and encoder, for the header of a reader joining late (trace_stream_header). */
const struct trace_stream *trace_file_stream(const struct trace_file *tf);

/* True while a file is open and being written. */
bool trace_file_active(const struct trace_file *tf);

/* Path of the current file, or NULL when none is open. Borrowed from tf. */
const char *trace_file_path(const struct trace_file *tf);

#endif
