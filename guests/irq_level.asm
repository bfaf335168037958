; SPDX-License-Identifier: MIT
;
; irq_level - an edge-triggered and a level-triggered IRQ 10, held and
; released by the regbank example plugin (plugins/regbank), in real mode.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Needs regbank at
; 0xd0000 (in the 640K-1M hole, within real mode's reach) on IRQ 10:
;
;   modvmm -d regbank,base=0xd0000 build/guests/irq_level.bin
;
; Programs both 8259s (bases 0x20/0x28, only IR2 on the master and IRQ 10
; on the slave open) and then, with the IRQ 10 handler sending EOI to
; both chips and counting:
;   1. edge (ELCR bit 10 clear): asserting IRQ_LEVEL and holding it for
;      20 ms interrupts exactly once;
;   2. level (ELCR bit 10 set): asserting it interrupts again after every
;      EOI while it is held; the handler releases it at the 5th interrupt,
;      before the EOI, and in the 20 ms that follow nothing more comes.
; Waits are 20 ms of PIT channel 2 with interrupts on.  Prints
; "irq_level: edge 1, level 5" on COM1 and exits through port 0xf4 with 0
; (status 1); a failed step prints "irq_level: FAIL ..." and exits with 1
; (status 3), an unexpected 8259 vector with 2 (status 5).  The ELCR is
; the PIIX one at 0x4d0-0x4d1, which both KVM's in-kernel PIC and the
; pic8259 device have.

bits 16
org 0

%include "pc16.inc"

ELCR2		equ 0x4d1		; IRQ 8-15
IRQ_BASE	equ 0x20
IRQ		equ 10
IRQ_BIT		equ 1 << (IRQ - 8)
RB_SEG		equ 0xd000		; regbank base=0xd0000
RB_ID		equ 0x00
RB_IRQ_LEVEL	equ 0x08
RB_IRQ_NUM	equ 0x0c
RB_MAGIC	equ 0x314b4252		; "RBK1"
LEVEL_RUNS	equ 5
COUNT_20MS	equ 23864

	SKIP_IVT

%define CHECK_REG si		; for check (pc.inc)

main:
	REAL_SETUP
	mov ax, RB_SEG
	mov es, ax
	IVT_8259 IRQ_BASE, irq_unexpected
	mov word [(IRQ_BASE + IRQ) * 4], irq_handler
	mov word [(IRQ_BASE + 7) * 4], irq7
	mov word [(IRQ_BASE + 15) * 4], irq15

	cmp dword [es:RB_ID], RB_MAGIC
	check e, msg_no_regbank
	cmp dword [es:RB_IRQ_NUM], IRQ
	check e, msg_irq_num
	call pic_init
	PIT_CH2_GATE

	; 1: edge-triggered: one interrupt however long the line is held
	mov dx, ELCR2
	in al, dx
	and al, ~IRQ_BIT & 0xff
	out dx, al
	mov byte [release_at], 0
	mov word [count], 0
	mov dword [es:RB_IRQ_LEVEL], 1
	sti
	call wait_20ms
	cli
	cmp word [count], 1
	check e, msg_edge
	mov dword [es:RB_IRQ_LEVEL], 0
	sti
	call wait_20ms
	cli
	cmp word [count], 1
	check e, msg_edge
	mov ax, [count]
	mov [edge_count], ax

	; 2: level-triggered: again after each EOI until released
	mov dx, ELCR2
	in al, dx
	or al, IRQ_BIT
	out dx, al
	mov byte [release_at], LEVEL_RUNS
	mov word [count], 0
	mov dword [es:RB_IRQ_LEVEL], 1
	sti
	call wait_20ms
	cli
	cmp word [count], LEVEL_RUNS
	check e, msg_level
	cmp dword [es:RB_IRQ_LEVEL], 0
	check e, msg_not_released
	sti
	call wait_20ms
	cli
	cmp word [count], LEVEL_RUNS
	check e, msg_after_release

	mov si, msg_edge_ok
	call puts
	mov ax, [edge_count]
	call putdec
	mov si, msg_level_ok
	call puts
	mov ax, [count]
	call putdec
	mov al, 10
	call putc
	EXIT 0

fail:
	push si
	mov si, msg_fail
	call puts
	pop si
	call puts
	mov si, msg_count
	call puts
	mov ax, [count]
	call putdec
	mov si, msg_close
	call puts
	EXIT 1

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8; IR2 and IRQ 10 open.
pic_init:
	PIC_INIT IRQ_BASE, 0xfb, ~IRQ_BIT & 0xff
	ret

; wait_20ms: PIT channel 2, mode 0, until OUT rises.
wait_20ms:
	push ax
	PIT_CH2_WAIT COUNT_20MS
	pop ax
	ret

; IRQ 10: count; at release_at interrupts drop the line, then EOI both.
irq_handler:
	push ax
	inc word [cs:count]
	mov al, [cs:release_at]
	test al, al
	jz .eoi
	xor ah, ah
	cmp [cs:count], ax
	jb .eoi
	mov dword [es:RB_IRQ_LEVEL], 0
.eoi:
	mov al, 0x20
	out PIC2_CMD, al
	out PIC1_CMD, al
	pop ax
	iret

SPURIOUS_ROUTINES

UNEXPECTED_ROUTINE msg_unexpected

COM1_ROUTINES

msg_edge_ok	db "irq_level: edge ", 0
msg_level_ok	db ", level ", 0
msg_fail	db "irq_level: FAIL ", 0
msg_count	db " (count ", 0
msg_close	db ")", 10, 0
msg_no_regbank	db "no regbank at 0xd0000", 0
msg_irq_num	db "regbank is not on IRQ 10", 0
msg_edge	db "edge-triggered IRQ 10 did not interrupt exactly once", 0
msg_level	db "level-triggered IRQ 10 held did not interrupt 5 times", 0
msg_not_released db "the handler did not release the line", 0
msg_after_release db "interrupts after release and EOI", 0
msg_unexpected	db "irq_level: FAIL unexpected 8259 vector", 10, 0

release_at	db 0
count		dw 0
edge_count	dw 0
spurious	dw 0
