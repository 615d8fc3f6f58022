/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Types of make bench's scripted reads: compiled with gcc -g at bench time into the small
 * types file iodbg, drgn and gdb read the same image with. */
#ifndef IODBG_BENCH_TYPES_H
#define IODBG_BENCH_TYPES_H

#define BENCH_QUEUES 64

struct bench_msgq {
	unsigned int head;
	unsigned int tail;
	unsigned int entries;
	unsigned int flags;
	unsigned long long base;
};

struct bench_gsp {
	unsigned int magic;
	unsigned int version;
	struct bench_msgq cmdq[BENCH_QUEUES];
	struct bench_msgq msgq[BENCH_QUEUES];
};

#endif
