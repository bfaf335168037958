// SPDX-License-Identifier: MIT
/*
 * Devices' outputs.  A guest that prints into a pipe nobody reads, or
 * into a terminal that was stopped (Ctrl-S, a backgrounded job), must not
 * freeze modvmm: a blocking write() on the vCPU thread would leave
 * --timeout, SIGTERM and the console escape without effect.  So every
 * output a device writes is non-blocking, on an open file description of
 * its own: setting O_NONBLOCK on the inherited stdout would change it for
 * every process sharing it (the shell's terminal).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/output.h"

/* A private, non-blocking open of what @fd refers to. */
static int output_reopen(int fd)
{
	char path[32];
	struct stat st;
	int nfd;

	if (fstat(fd, &st))
		return -1;
	/* A regular file never waits; sharing its offset keeps the order
	 * of everything written to it. */
	if (S_ISREG(st.st_mode))
		return fcntl(fd, F_DUPFD_CLOEXEC, 3);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd >= 0)
		return nfd;
	/* A socket cannot be reopened: writes to it may block. */
	return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

const char *output_error_hint(int err)
{
	return err == EFBIG ? " (the file-size limit, ulimit -f)" : "";
}

int output_open(const char *spec)
{
	if (!strcmp(spec, "stdout"))
		return output_reopen(STDOUT_FILENO);
	if (!strcmp(spec, "stderr"))
		return output_reopen(STDERR_FILENO);
	if (!strcmp(spec, "null"))
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* a FIFO without a reader fails (ENXIO) instead of waiting */
	return open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK, 0666);
}
