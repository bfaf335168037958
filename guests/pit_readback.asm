; SPDX-License-Identifier: MIT
;
; pit_readback - checks that PIT channel 0 counts down, reading it with
; the counter latch command and with the read-back command.
;
; Channel 0 is programmed for mode 0 with count 0 (65536 ticks, 55 ms).
; The guest reads the count three times with fifty port reads in
; between: A with a counter latch command, B and its status with a
; read-back command, C with a count-only read-back.  It needs A > B > C,
; the status byte 0x30 (OUT low before terminal count, count loaded, LSB
; then MSB, mode 0, binary) and, for the status-only read-back right after
; a control word, the null count bit.  Should the 55 ms run out before
; the last read (OUT is high by then: a very slow host, such as a nested
; KVM under TCG at ~50 us an exit), it tries again, up to 10 times.
;
; Prints "readback: OK A B C" (hex) and exits with value 0 (status 1), or
; "readback: FAIL" and the values, and exits with value 1 (status 3).
;
;   modvmm build/guests/pit_readback.bin

bits 16
org 0

%include "pc16.inc"


; DELAY: fifty exits, so that the counter moves on (by at least one tick
; per microsecond they take).
%macro DELAY 0
	mov cx, 50
%%spin:
	in al, PORT_B
	loop %%spin
%endmacro

; READ16: AX = LSB then MSB from channel 0.
%macro READ16 0
	in al, PIT_CH0
	mov ah, al
	in al, PIT_CH0
	xchg al, ah
%endmacro

start:
	REAL_SETUP
	mov di, 10			; attempts

.again:
	mov al, 0x30			; channel 0, LSB then MSB, mode 0, binary
	out PIT_CTRL, al
	; read-back, status only, channel 0: null count must be set
	mov al, 0xe2
	out PIT_CTRL, al
	in al, PIT_CH0
	test al, 0x40
	jz .fail
	xor al, al
	out PIT_CH0, al
	out PIT_CH0, al			; count 0 = 65536

	DELAY
	mov al, 0x00			; counter latch, channel 0
	out PIT_CTRL, al
	READ16
	mov [val_a], ax

	DELAY
	mov al, 0xc2			; read-back: count and status, channel 0
	out PIT_CTRL, al
	in al, PIT_CH0			; status comes first
	mov [status], al
	READ16
	mov [val_b], ax

	DELAY
	mov al, 0xd2			; read-back: count only, channel 0
	out PIT_CTRL, al
	READ16
	mov [val_c], ax
	mov al, 0xe2			; read-back: status only, channel 0
	out PIT_CTRL, al
	in al, PIT_CH0
	test al, 0x80			; OUT high: the count ran out by C
	jnz .retry

	test byte [status], 0x80	; OUT high: terminal count passed
	jnz .retry
	cmp byte [status], 0x30
	jne .fail
	mov ax, [val_a]
	cmp ax, [val_b]
	jbe .fail
	mov ax, [val_b]
	cmp ax, [val_c]
	jbe .fail
	PUTS msg_ok
	call print_values
	EXIT 0

.retry:
	dec di
	jnz .again
.fail:
	PUTS msg_fail
	call print_values
	EXIT 1

print_values:
	mov ax, [val_a]
	call puthex16
	mov al, ' '
	out DEBUGCON, al
	mov ax, [val_b]
	call puthex16
	mov al, ' '
	out DEBUGCON, al
	mov ax, [val_c]
	call puthex16
	mov si, msg_status
	call puts
	xor ah, ah
	mov al, [status]
	call puthex16
	mov al, 10
	out DEBUGCON, al
	ret

val_a:		dw 0
val_b:		dw 0
val_c:		dw 0
status:		db 0
msg_ok:		db "readback: OK ", 0
msg_fail:	db "readback: FAIL ", 0
msg_status:	db " status ", 0

DEBUGCON_ROUTINES
