/* SPDX-License-Identifier: GPL-2.0-or-later */
/* make bench: the executable gdb reads the scripted-reads image from. The image file is the
 * contents of the object `gsp` (assembled in with .incbin), so that gdb -batch, without
 * running anything, reads `print gsp.cmdq[3].head` from the file, as iodbg reads a file:
 * region. Build: gcc -g -DBENCH_IMAGE='"/abs/image.bin"' -Itests/bench gdb_image.c */
#include "bench_types.h"

#ifndef BENCH_IMAGE
#error "BENCH_IMAGE: the path of the image, as a string"
#endif

__asm__(".section .rodata.bench_image, \"a\"\n"
	".balign 64\n"
	".globl gsp\n"
	".type gsp, @object\n"
	"gsp:\n"
	".incbin \"" BENCH_IMAGE "\"\n"
	".size gsp, . - gsp\n"
	".previous\n");

extern const struct bench_gsp gsp;

int main(void)
{
	return gsp.magic == 0;
}
