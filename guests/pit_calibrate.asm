; SPDX-License-Identifier: MIT
;
; pit_calibrate - measures one second with PIT channel 2, the way Linux
; calibrates the TSC: gate channel 2 on through port 0x61 (speaker off),
; program it for mode 0 with 59659 counts (50 ms at 1.193182 MHz) and poll
; port 0x61 bit 5 until OUT2 goes high.  Twenty rounds make one second.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Prints
; "pit: start", then "pit: done, polls 0xHHHH, M ms of PM timer" (the
; number of polls of the last round, which shows what one exit costs, and
; the ACPI PM timer over the twenty rounds: at least 999 when the PIT
; counts at 1.193182 MHz) on the debug console and exits through the
; exit port with value 0 (status 1).  If OUT2 is already high right after
; a count is written, mode 0 is broken: "pit: FAIL" and value 1 (status 3).
;
;   time modvmm build/guests/pit_calibrate.bin

bits 16
org 0

%include "pc16.inc"

ROUNDS		equ 20
COUNT_50MS	equ 59659

start:
	REAL_SETUP
	PUTS msg_start

	in al, PORT_B
	and al, ~0x02			; speaker data off
	or al, 0x01			; gate channel 2 on
	out PORT_B, al

	PM_TMR_START pm_start
	mov cx, ROUNDS
.round:
	mov al, 0xb0			; channel 2, LSB then MSB, mode 0, binary
	out PIT_CTRL, al
	mov al, COUNT_50MS & 0xff
	out PIT_CH2, al
	mov al, COUNT_50MS >> 8
	out PIT_CH2, al
	in al, PORT_B
	test al, 0x20
	jnz .fail
	xor bx, bx
.poll:
	inc bx
	in al, PORT_B
	test al, 0x20
	jz .poll
	loop .round
	PM_TMR_MS pm_start
	mov [pm_ms], eax

	PUTS msg_done
	mov ax, bx
	call puthex16
	PUTS msg_pm_sep
	mov eax, [pm_ms]
	cmp eax, 0xffff			; putdec prints AX: say 65535 for more
	jbe .print_ms
	mov ax, 0xffff
.print_ms:
	call putdec
	PUTS msg_pm
	mov al, 10
	out DEBUGCON, al
	EXIT 0
.fail:
	PUTS msg_fail
	EXIT 1

msg_start:	db "pit: start", 10, 0
msg_done:	db "pit: done, polls 0x", 0
msg_fail:	db "pit: FAIL (OUT2 high right after the count)", 10, 0
msg_pm_sep:	db ", ", 0
msg_pm:		db " ms of PM timer", 0

		align 4
pm_start:	dd 0
pm_ms:		dd 0

; dbg_putc: AL to the debug console.
dbg_putc:
	out DEBUGCON, al
	ret

PUTDEC_ROUTINE putdec, dbg_putc

DEBUGCON_ROUTINES
