/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Linked into every unit test program: line-buffered stdout keeps cmocka's progress
   (stdout) and its failure messages (stderr) in order in a CI log, which is a pipe. */
#include <stdio.h>

__attribute__((constructor)) static void line_buffered_stdout(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}
