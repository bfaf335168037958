// SPDX-License-Identifier: MIT
/*
 * spawn - run a command and report what it cost, for bench/run-bench.
 *
 *   spawn [-t SECONDS] [-i] [-o FILE] [-e FILE] -- COMMAND [ARGS...]
 *
 * Prints one JSON line on stdout: wall seconds (fork to reap), user and
 * system CPU seconds and peak RSS (KiB) of COMMAND and all its threads,
 * from wait4(), and its exit status (128 + signal if killed).
 *
 * Why not let Python fork the command itself: ru_maxrss keeps the
 * largest RSS the process ever had, and the Linux exec keeps the high
 * water mark of the image it replaced.  A command forked from a 17 MiB
 * Python would "peak" at 17 MiB.  This program is linked statically and
 * touches almost nothing, so what it leaves behind stays far below any
 * VMM's own peak.
 *
 *   -t SECONDS  kill the command (SIGKILL) after SECONDS
 *   -i          stdin: a pipe kept open and silent (an idle console that
 *               epoll can watch), rather than spawn's own stdin
 *   -o, -e      stdout, stderr of the command into FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;

static void spawn_timeout(int sig)
{
	(void)sig;
	if (child > 0)
		kill(child, SIGKILL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

static void spawn_child(char **argv, int in_pipe, const char *out,
			const char *err)
{
	if (in_pipe >= 0 && dup2(in_pipe, STDIN_FILENO) < 0)
		_exit(127);
	if ((out && redirect(out, STDOUT_FILENO)) ||
	    (err && redirect(err, STDERR_FILENO)))
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "spawn: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *err = NULL;
	int idle_in = 0, fds[2] = { -1, -1 }, status, opt, code;
	unsigned int timeout = 0;
	struct rusage ru;
	double t0, wall;

	while ((opt = getopt(argc, argv, "+t:io:e:")) != -1) {
		switch (opt) {
		case 't': timeout = (unsigned int)atoi(optarg); break;
		case 'i': idle_in = 1; break;
		case 'o': out = optarg; break;
		case 'e': err = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: spawn [-t SECONDS] [-i] [-o FILE] [-e FILE] -- COMMAND...\n");
		return 2;
	}
	if (idle_in && pipe(fds))
		return 2;
	signal(SIGALRM, spawn_timeout);
	t0 = now();
	child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		close(fds[1]);
		spawn_child(argv + optind, fds[0], out, err);
	}
	close(fds[0]);
	if (timeout)
		alarm(timeout);
	while (wait4(child, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return 2;
	wall = now() - t0;
	alarm(0);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("{\"wall\": %.6f, \"user\": %.6f, \"sys\": %.6f, \"maxrss_kib\": %ld, \"status\": %d}\n",
	       wall, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss,
	       code);
	return 0;
}
