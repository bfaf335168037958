/* SPDX-License-Identifier: MIT */
/*
 * console.h - the host terminal: which device owns stdin, raw mode, and
 * restoring the terminal on every exit path (normal, signal, crash).
 */
#ifndef MODVMM_CONSOLE_H
#define MODVMM_CONSOLE_H

struct modvmm_dev;

/* 1 if @dev now owns stdin (raw mode if a tty), 0 if another device does. */
int console_acquire(struct modvmm_dev *dev);
/* @dev goes away: if it owns stdin, give the terminal back and free it. */
void console_release(struct modvmm_dev *dev);
/* Restore the terminal; async-signal-safe, idempotent. */
void console_restore(void);

#endif
