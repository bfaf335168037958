; SPDX-License-Identifier: MIT
;
; irq_pit_real - the PC timer interrupt in real mode, without firmware.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs both
; 8259s (ICW1-ICW4: edge, cascade on IR2, vector bases 0x20 and 0x28),
; opens IRQ 0 only, points IVT vector 0x20 at a handler that counts and
; sends EOI, programs PIT channel 0 for 100 Hz (mode 2, count 11932) and
; sleeps in "sti; hlt" until 100 ticks have come: one second.  Then it
; prints "irq_pit_real: 100 ticks, 0 spurious" and "irq_pit_real: M ms of
; PM timer" (the ACPI PM timer from just before the PIT was programmed to
; the last tick: at least 1000 when the ticks come at the rate programmed)
; on COM1 and exits through port 0xf4 with 0 (status 1).  Spurious IRQ 7 / IRQ 15 vectors are
; counted, any other vector of the 8259s fails the run (status 5).
; Works with either interrupt controller:
;
;   modvmm build/guests/irq_pit_real.bin

bits 16
org 0

%include "pc16.inc"

IRQ_BASE	equ 0x20
TICKS		equ 100

	SKIP_IVT

main:
	REAL_SETUP es
	; every 8259 vector to "unexpected", then the ones we serve
	IVT_8259 IRQ_BASE, irq_unexpected
	mov word [(IRQ_BASE + 0) * 4], irq0
	mov word [(IRQ_BASE + 7) * 4], irq7
	mov word [(IRQ_BASE + 15) * 4], irq15
	call pic_init
	PM_TMR_START pm_start
	PIT_CH0_RATE PIT_100HZ
.sleep:
	; sti takes effect after hlt has begun: no wake-up is lost
	cli
	cmp word [ticks], TICKS
	jae .done
	sti
	hlt
	jmp .sleep
.done:
	PM_TMR_MS pm_start
	mov [pm_ms], eax
	mov al, 0x30			; stop channel 0 (mode 0, no count)
	out PIT_CTRL, al
	mov si, msg_name
	call puts
	mov ax, [ticks]
	call putdec
	mov si, msg_ticks
	call puts
	mov ax, [spurious]
	call putdec
	mov si, msg_spurious
	call puts
	mov si, msg_name
	call puts
	mov eax, [pm_ms]
	cmp eax, 0xffff			; putdec prints AX: say 65535 for more
	jbe .print_ms
	mov ax, 0xffff
.print_ms:
	call putdec
	mov si, msg_pm
	call puts
	EXIT 0

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 0 open.
pic_init:
	PIC_INIT IRQ_BASE, 0xfe, 0xff	; IRQ 0 only
	ret

irq0:
	push ax
	inc word [cs:ticks]
	mov al, 0x20			; non-specific EOI
	out PIC1_CMD, al
	pop ax
	iret

SPURIOUS_ROUTINES

UNEXPECTED_ROUTINE msg_unexpected

COM1_ROUTINES

msg_name	db "irq_pit_real: ", 0
msg_ticks	db " ticks, ", 0
msg_spurious	db " spurious", 10, 0
msg_pm		db " ms of PM timer", 10, 0
msg_unexpected	db "irq_pit_real: FAIL unexpected 8259 vector", 10, 0

ticks		dw 0
spurious	dw 0
		align 4
pm_start	dd 0
pm_ms		dd 0
