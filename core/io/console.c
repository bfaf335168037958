// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "io/console.h"

static struct modvmm_dev *console_owner;
static struct termios saved;
static volatile int raw_active;

/*
 * Raw input so every key reaches the guest, but keep output processing
 * (ONLCR): guests that print "\n" alone still start lines at column 0.
 */
int console_acquire(struct modvmm_dev *dev)
{
	struct termios t;

	if (console_owner)
		return console_owner == dev;
	console_owner = dev;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return 1;
	t = saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		raw_active = 1;
		atexit(console_restore);
	}
	return 1;
}

void console_release(struct modvmm_dev *dev)
{
	if (console_owner != dev)
		return;
	console_restore();
	console_owner = NULL;
}

void console_restore(void)
{
	if (raw_active) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw_active = 0;
	}
}
