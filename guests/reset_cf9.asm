; SPDX-License-Identifier: MIT
;
; reset_cf9 - resets the machine through the chipset's reset control
; register at port 0xCF9 (pc_reset), the way Linux's reboot=pci does:
; 0x02 (SYS_RST: a hard reset), then 0x06 (RST_CPU starts it).
;
; Prints "reset_cf9: resetting" on the debug console; modvmm then exits
; with status 18 (MODVMM_STATUS_RESET).  Should the machine run on, the
; guest prints "reset_cf9: FAIL still running" and exits with value 1
; (status 3).
;
;   modvmm -d pc_reset build/guests/reset_cf9.bin

bits 16
org 0

%include "exit.inc"

RESET_CONTROL	equ 0xcf9

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	PUTS msg_reset
	mov dx, RESET_CONTROL
	mov al, 0x02
	out dx, al
	mov al, 0x06
	out dx, al
	PUTS msg_fail
	EXIT 1

msg_reset:	db "reset_cf9: resetting", 10, 0
msg_fail:	db "reset_cf9: FAIL still running", 10, 0

DEBUGCON_ROUTINES
