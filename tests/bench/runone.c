/* SPDX-License-Identifier: GPL-2.0-or-later */
/* make bench: runs one command and prints its wall time, peak RSS and exit status. A small C
 * launcher, because a child's peak RSS (wait4's ru_maxrss) counts what it held before exec: a
 * Python launcher would add its own ~12 MiB to every tool. Wall time: CLOCK_MONOTONIC from
 * before fork to after wait4.
 *
 * Usage: runone STDOUT STDERR CMD [ARG]...   prints "SECONDS MAXRSS_KIB STATUS" */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int in, out, err, status;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: %s STDOUT STDERR CMD [ARG]...\n", argv[0]);
		return 2;
	}
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0 || err < 0) {
		perror("runone: open");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("runone: fork");
		return 2;
	}
	if (pid == 0) {
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runone: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f %ld %d\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
