/* cg_gro.c - the coalescing part of the callgrind driver (see cg_drv.c). */
#include "dataplane/dp_gro.h"

#include <stdio.h>
#include <stdlib.h>

#include "cg_drv.h"

#define N_BATCH 20

static uint8_t seg[DP_GRO_MAX_PKTS][1500];
static struct dp_gro_pkt pkts[DP_GRO_MAX_PKTS];
static struct dp_gro gro;

void cg_gro_setup(void)
{
	static const uint8_t src[4] = {198, 18, 2, 2}, dst[4] = {198, 18, 1, 2};

	for (int i = 0; i < DP_GRO_MAX_PKTS; i++) {
		pkts[i].p = seg[i];
		pkts[i].len = cg_build4(seg[i], src, dst, 6, 1412, 1 + 1412u * (unsigned)i, 0);
		pkts[i].is_csum_partial = false;
	}
}

__attribute__((noinline, noipa)) unsigned cg_gro_tcp4(unsigned *n_items)
{
	unsigned n = 0;

	*n_items = 0;
	for (int b = 0; b < N_BATCH; b++) {
		*n_items += (unsigned)dp_gro_run(&gro, pkts, DP_GRO_MAX_PKTS);
		n += DP_GRO_MAX_PKTS;
	}
	if (gro.stats.n_coalesced == 0) {
		fprintf(stderr, "cg_drv: dp_gro_run coalesced nothing\n");
		exit(1);
	}
	return n;
}
