; SPDX-License-Identifier: MIT
;
; rtc_tick - checks that the RTC (rtc_cmos) counts seconds: reads the
; seconds register, then polls it until it changes, and checks that it
; went up by exactly one (BCD, the power-on format).
;
; The seconds are read only while UIP (register A bit 7) is clear, as
; the datasheet asks.  The wait is bounded by the PIT, not by a loop
; count, so that it takes the same time however slow VM exits are: up to
; 60 rounds of PIT channel 2 counting 65535 ticks (55 ms each, 3.3 s in
; all, against the 1 s the RTC needs).
;
; Prints "rtc_tick: OK SS -> SS" on the debug console and exits with value
; 0 (status 1); "rtc_tick: FAIL ..." with value 1 (status 3) when the
; seconds did not move or jumped; "rtc_tick: no RTC" with value 2 (status
; 5) when register D does not read 0x80 (valid RAM and time).
;
;   modvmm -d rtc_cmos build/guests/rtc_tick.bin

bits 16
org 0

%include "pc16.inc"

RTC_INDEX	equ 0x70
RTC_DATA	equ 0x71
ROUNDS		equ 60

; RTC_READ reg: AL = CMOS register reg.
%macro RTC_READ 1
	mov al, %1
	out RTC_INDEX, al
	in al, RTC_DATA
%endmacro

start:
	REAL_SETUP
	RTC_READ 0x0d
	cmp al, 0x80
	jne .absent
	call read_sec
	jc .stuck
	mov [sec0], al
	PIT_CH2_GATE
	mov di, ROUNDS
.round:
	mov al, 0xb0			; channel 2, LSB then MSB, mode 0
	out PIT_CTRL, al
	mov al, 0xff
	out PIT_CH2, al
	out PIT_CH2, al
.poll:
	RTC_READ 0x0a
	test al, 0x80			; update in progress: look again later
	jnz .pit
	RTC_READ 0x00
	cmp al, [sec0]
	jne .changed
.pit:
	in al, PORT_B
	test al, 0x20			; OUT2: this round's 55 ms are over
	jz .poll
	dec di
	jnz .round
.stuck:
	PUTS msg_stuck
	EXIT 1

.changed:
	mov [sec1], al
	mov al, [sec0]			; the next second, in BCD (no DAA:
	inc al				; a PVM KVM cannot emulate it)
	mov ah, al
	and ah, 0x0f
	cmp ah, 0x0a
	jb .bcd
	add al, 6			; x9 + 1 = xA: carry into the tens
.bcd:
	cmp al, 0x60
	jne .cmp
	xor al, al
.cmp:
	cmp al, [sec1]
	jne .jumped
	PUTS msg_ok
	call report
	EXIT 0

.jumped:
	PUTS msg_jumped
	call report
	EXIT 1

.absent:
	PUTS msg_absent
	EXIT 2

; read_sec: AL = the seconds register, read while UIP is clear; CF set if
; UIP never cleared (it is high for 244 us of every second).
read_sec:
	mov cx, 0xffff
.wait:
	RTC_READ 0x0a
	test al, 0x80
	jz .read
	loop .wait
	stc
	ret
.read:
	RTC_READ 0x00
	clc
	ret

; report: "SS -> SS" and a newline.
report:
	mov al, [sec0]
	call puthex8
	PUTS msg_arrow
	mov al, [sec1]
	call puthex8
	PUTS msg_nl
	ret

; puthex8: AL as two hex digits on the debug console.
puthex8:
	push ax
	shr al, 4
	call .nibble
	pop ax
.nibble:
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	out DEBUGCON, al
	ret

DEBUGCON_ROUTINES

msg_ok:		db "rtc_tick: OK ", 0
msg_jumped:	db "rtc_tick: FAIL the seconds jumped: ", 0
msg_stuck:	db "rtc_tick: FAIL the seconds did not advance in 3 s", 10, 0
msg_absent:	db "rtc_tick: no RTC", 10, 0
msg_arrow:	db " -> ", 0
msg_nl:		db 10, 0
sec0:		db 0
sec1:		db 0
