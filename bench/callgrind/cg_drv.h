/* Shared by the callgrind driver's two files (dp_gro.h and dp_gso.h both define struct
 * dp_vnet, so they cannot meet in one file). */
#ifndef V6L_CG_DRV_H
#define V6L_CG_DRV_H

#include <stddef.h>
#include <stdint.h>

/* Builds an IPv4 TCP (proto 6) or UDP (17) packet with pay payload bytes, complete checksums. */
size_t cg_build4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], int proto, size_t pay,
		 uint32_t seq, uint16_t id);

/* Builds the packets cg_gro_tcp4 coalesces (64 IPv4/TCP 1452-byte segments of one flow). */
void cg_gro_setup(void);

/* Coalesces batches of 64 IPv4/TCP segments of one flow; returns the packets handled and sets
 * *n_items to the super-packets made. */
unsigned cg_gro_tcp4(unsigned *n_items);

#endif
