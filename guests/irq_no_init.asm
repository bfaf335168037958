; SPDX-License-Identifier: MIT
;
; irq_no_init - the 8259s deliver nothing before ICW1-ICW4.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Points all 256
; interrupt vectors at stubs that count and remember the first vector,
; starts PIT channel 0 at 100 Hz and enables interrupts WITHOUT
; programming the 8259s, for 50 ms of PIT channel 2 time (five ticks).
; On a PC without firmware the 8259s wait for their initialisation, so
; nothing may arrive.  Then it programs them (bases 0x20/0x28, IRQ 0
; open) and counts the IRQ 0 ticks of another 50 ms, to show that the
; timer was running.  Prints on COM1
;   irq_no_init: before init 0 interrupts
;   irq_no_init: after init N ticks
; ("before init N interrupts, first vector 0xVV" when something came) and
; exits through port 0xf4 with 0 (status 1).
;
;   modvmm build/guests/irq_no_init.bin

bits 16
org 0

%include "pc16.inc"

IRQ_BASE	equ 0x20
COUNT_50MS	equ 59659
STUB_SIZE	equ 8

	SKIP_IVT

main:
	REAL_SETUP
	xor di, di
	mov bx, stubs
	mov cx, 256
.vec:
	mov [di], bx
	mov word [di + 2], 0
	add di, 4
	add bx, STUB_SIZE
	loop .vec

	PIT_CH2_GATE
	PIT_CH0_RATE PIT_100HZ		; channel 0: mode 2, 100 Hz

	sti
	call wait_50ms
	cli
	mov si, msg_before
	call puts
	mov ax, [count]
	call putdec
	mov si, msg_interrupts
	call puts
	cmp word [count], 0
	je .none
	mov si, msg_first
	call puts
	mov ax, [first]
	call puthex8
.none:
	mov al, 10
	call putc

	; now as it should be: program the 8259s and count IRQ 0
	mov word [(IRQ_BASE + 0) * 4], irq0
	PIC_INIT IRQ_BASE, 0xfe, 0xff	; IRQ 0 only
	sti
	call wait_50ms
	cli
	mov al, 0x30			; stop channel 0
	out PIT_CTRL, al
	mov si, msg_after
	call puts
	mov ax, [ticks]
	call putdec
	mov si, msg_ticks
	call puts
	EXIT 0

; wait_50ms: PIT channel 2, mode 0, until OUT rises.
wait_50ms:
	PIT_CH2_WAIT COUNT_50MS
	ret

irq0:
	push ax
	inc word [cs:ticks]
	mov al, 0x20
	out PIC1_CMD, al
	pop ax
	iret

; any_vector: DX = the vector (pushed by its stub).
any_vector:
	cmp word [cs:count], 0
	jne .counted
	mov [cs:first], dx
.counted:
	inc word [cs:count]
	pop dx
	iret

COM1_ROUTINES

PUTHEX8_ROUTINE

msg_before	db "irq_no_init: before init ", 0
msg_interrupts	db " interrupts", 0
msg_first	db ", first vector 0x", 0
msg_after	db "irq_no_init: after init ", 0
msg_ticks	db " ticks", 10, 0

first		dw 0
count		dw 0
ticks		dw 0

; One stub per vector: push DX, load the vector into DX, go to the count.
align STUB_SIZE
stubs:
%assign v 0
%rep 256
	push dx
	mov dx, v
	jmp any_vector
	align STUB_SIZE
%assign v v + 1
%endrep
%if ($ - stubs) != 256 * STUB_SIZE
%error "a vector stub is longer than STUB_SIZE"
%endif
