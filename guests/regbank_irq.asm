; SPDX-License-Identifier: MIT
;
; regbank_irq - the regbank plugin's level-triggered IRQ line.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  The registers
; must be reachable from real mode, so regbank goes in the 640K-1M hole,
; at base=0xd0000 (segment 0xd000).  Programs the 8259s to vectors
; 0x20-0x2f with only IRQ 10 (regbank's default irq=) and the cascade
; open, then:
;   1. the ID, the line number and a low line read back;
;   2. asserting the line interrupts; the handler releases it;
;   3. a line the handler leaves asserted interrupts once (the PIC is
;      edge-triggered) and reads back as held;
;   4. released and asserted again while interrupts are off, it is
;      latched and delivered on sti.
; Prints "regbank_irq: OK" and exits with status 1, or
; "regbank_irq: FAIL step N" and exits with status 3.
;
;   modvmm -d regbank,base=0xd0000 build/guests/regbank_irq.bin

bits 16
org 0

%include "pc16.inc"

RB_SEG		equ 0xd000
RB_ID		equ 0x00
RB_IRQ_LEVEL	equ 0x08
RB_IRQ_NUM	equ 0x0c
IRQ		equ 10
IRQ_BASE	equ 0x20

	SKIP_IVT

%define CHECK_REG bl		; for check (pc.inc)

main:
	REAL_SETUP es
	mov ax, RB_SEG
	mov fs, ax
	mov word [(IRQ_BASE + IRQ) * 4], irq_handler
	mov word [(IRQ_BASE + IRQ) * 4 + 2], 0
	call pic_init

	; 1: the device is there, on line 10, with the line low.
	cmp dword [fs:RB_ID], 0x314B4252
	check e, 1
	cmp dword [fs:RB_IRQ_NUM], IRQ
	check e, 1
	cmp dword [fs:RB_IRQ_LEVEL], 0
	check e, 1

	; 2: assert; the handler runs and releases the line.
	mov byte [release], 1
	sti
	mov cx, [irqs]
	mov dword [fs:RB_IRQ_LEVEL], 1
	call wait_irq
	check e, 2
	cmp dword [fs:RB_IRQ_LEVEL], 0
	check e, 2

	; 3: assert and keep it held: one interrupt, the line stays up.
	mov byte [release], 0
	mov cx, [irqs]
	mov dword [fs:RB_IRQ_LEVEL], 1
	call wait_irq
	check e, 3
	mov cx, [irqs]
	call wait_irq		; no second interrupt for the same edge
	check ne, 3
	cmp dword [fs:RB_IRQ_LEVEL], 1
	check e, 3

	; 4: a new edge with interrupts off is delivered on sti.
	cli
	mov dword [fs:RB_IRQ_LEVEL], 0
	mov dword [fs:RB_IRQ_LEVEL], 1
	mov cx, [irqs]
	sti
	call wait_irq
	check e, 4
	cli
	mov dword [fs:RB_IRQ_LEVEL], 0
	cmp word [irqs], 3
	check e, 4

	mov si, msg_ok
	call puts
	mov al, 0
	out EXIT_PORT, al
	jmp halt

fail:
	cli
	mov si, msg_fail
	call puts
	FAIL_STEP_ROUTINE

WAIT_IRQ_ROUTINE

; Releases the line first when asked to, then EOIs the slave and master.
irq_handler:
	push ax
	inc word [cs:irqs]
	cmp byte [cs:release], 0
	je .eoi
	mov dword [fs:RB_IRQ_LEVEL], 0
.eoi:
	mov al, 0x20
	out PIC2_CMD, al
	out PIC1_CMD, al
	pop ax
	iret

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8; open the cascade
; (master IRQ 2) and IRQ 10 (slave IRQ 2).
pic_init:
	PIC_INIT IRQ_BASE, ~(1 << 2) & 0xff, ~(1 << (IRQ - 8)) & 0xff
	ret

THR_ROUTINES 1

msg_ok		db "regbank_irq: OK", 10, 0
msg_fail	db "regbank_irq: FAIL step ", 0
irqs		dw 0
release		db 0
