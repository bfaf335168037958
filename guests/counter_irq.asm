; SPDX-License-Identifier: MIT
;
; counter_irq - the counter plugin's doorbell as an interrupt source.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs the
; master 8259 to vectors 0x20-0x27 with only IRQ 5 (counter's default
; irq=) unmasked, then:
;   1. the ID and the doorbell's line number read back;
;   2. three doorbell rings with interrupts on give three interrupts;
;   3. a ring with interrupts off is latched by the PIC (an edge) and
;      delivered on sti.
; Prints "counter_irq: OK 4 interrupts" and exits with status 1, or
; "counter_irq: FAIL step N" and exits with status 3.
;
;   modvmm -d counter build/guests/counter_irq.bin

bits 16
org 0

%include "pc16.inc"

COUNTER		equ 0x560
REG_DOORBELL	equ COUNTER + 2
REG_ID		equ COUNTER + 3
IRQ		equ 5
IRQ_BASE	equ 0x20

	SKIP_IVT

%define CHECK_REG bl		; for check (pc.inc)

main:
	REAL_SETUP es
	mov word [(IRQ_BASE + IRQ) * 4], irq_handler
	mov word [(IRQ_BASE + IRQ) * 4 + 2], 0
	call pic_init

	; 1: the device is there and pulses line 5.
	mov dx, REG_ID
	out dx, al
	mov di, id_buf
	mov cx, 4
	rep insb
	cmp dword [id_buf], 0x31544E43
	check e, 1
	mov dx, REG_DOORBELL
	in al, dx
	cmp al, IRQ
	check e, 1

	; 2: one interrupt per ring.
	sti
	mov si, 3
.ring:
	mov cx, [irqs]
	mov dx, REG_DOORBELL
	out dx, al
	call wait_irq
	check e, 2
	dec si
	jnz .ring
	cmp word [irqs], 3
	check e, 2

	; 3: a ring while interrupts are off waits in the PIC for sti.
	cli
	mov dx, REG_DOORBELL
	out dx, al
	mov cx, 0x1000
.idle:
	loop .idle
	cmp word [irqs], 3
	check e, 3
	mov cx, 3
	sti
	call wait_irq
	check e, 3
	cli

	mov si, msg_ok
	call puts
	mov al, [irqs]
	add al, '0'
	call putc
	mov si, msg_ok2
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

irq_handler:
	inc word [cs:irqs]
	push ax
	mov al, 0x20		; non-specific EOI
	out PIC1_CMD, al
	pop ax
	iret

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 5 open.
pic_init:
	PIC_INIT IRQ_BASE, ~(1 << IRQ) & 0xff, 0xff
	ret

THR_ROUTINES 1

msg_ok		db "counter_irq: OK ", 0
msg_ok2		db " interrupts", 10, 0
msg_fail	db "counter_irq: FAIL step ", 0
irqs		dw 0
id_buf		dd 0
