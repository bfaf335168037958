; SPDX-License-Identifier: MIT
;
; pit_irq0 - drives PIT channel 0's interrupt timer for a known time, so
; that `modvmm --stats` can show how many IRQ 0 ticks the device raised
; (no interrupt controller is needed for the count; interrupts stay off).
;
; Channel 0 runs in mode 2 with count 1193 (1000.15 Hz) while channel 2
; times 4 x 50 ms as pit_calibrate does: about 200 ticks.  A mode command
; then stops channel 0 (50 ms more without ticks), and a mode 0 count of
; 11932 (10 ms) gives one more tick within the last 50 ms.  Exits with
; value 0 (status 1) after printing "pit_irq0: done".
;
;   modvmm --stats build/guests/pit_irq0.bin

bits 16
org 0

%include "pc16.inc"

COUNT_50MS	equ 59659

; PROGRAM0 control, count: write a control word and a 16-bit count to
; channel 0.
%macro PROGRAM0 2
	mov al, %1
	out PIT_CTRL, al
	mov al, (%2) & 0xff
	out PIT_CH0, al
	mov al, (%2) >> 8
	out PIT_CH0, al
%endmacro

start:
	REAL_SETUP
	PIT_CH2_GATE

	PROGRAM0 0x34, 1193		; mode 2, ~1 kHz
	mov cx, 4
	call wait_50ms
	mov al, 0x30			; mode command: stops channel 0
	out PIT_CTRL, al
	mov cx, 1
	call wait_50ms
	PROGRAM0 0x30, 11932		; mode 0: one tick after 10 ms
	mov cx, 1
	call wait_50ms
	PUTS msg_done
	EXIT 0

; wait_50ms: CX rounds of 50 ms timed with channel 2 in mode 0.
wait_50ms:
	PIT_CH2_WAIT COUNT_50MS
	loop wait_50ms
	ret

msg_done:	db "pit_irq0: done", 10, 0

DEBUGCON_ROUTINES
