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

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
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
PIT_CH2		equ 0x42
PIT_CTRL	equ 0x43
PORT_B		equ 0x61
COUNT_20MS	equ 23864
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4

	jmp main

; The interrupt vector table is at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

; check COND, MSG: fail with MSG unless the flags say COND.
%macro check 2
	mov si, %2
	j%-1 fail
%endmacro

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov ax, RB_SEG
	mov es, ax
	mov di, IRQ_BASE * 4
	mov cx, 16
.vec:
	mov word [di], irq_unexpected
	mov word [di + 2], 0
	add di, 4
	loop .vec
	mov word [(IRQ_BASE + IRQ) * 4], irq_handler
	mov word [(IRQ_BASE + 7) * 4], irq7
	mov word [(IRQ_BASE + 15) * 4], irq15

	cmp dword [es:RB_ID], RB_MAGIC
	check e, msg_no_regbank
	cmp dword [es:RB_IRQ_NUM], IRQ
	check e, msg_irq_num
	call pic_init
	in al, PORT_B			; channel 2 gate on, speaker off
	and al, ~0x02 & 0xff
	or al, 0x01
	out PORT_B, al

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
	mov al, 0
	out EXIT_PORT, al
	cli
	hlt

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
	mov al, 1
	out EXIT_PORT, al
	cli
	hlt

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8; IR2 and IRQ 10 open.
pic_init:
	mov al, 0x11			; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, IRQ_BASE		; ICW2
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 0x04			; ICW3: slave on IR2 / slave ID 2
	out PIC1_DATA, al
	mov al, 0x02
	out PIC2_DATA, al
	mov al, 0x01			; ICW4: 8086 mode
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, 0xfb			; OCW1: master IR2 only
	out PIC1_DATA, al
	mov al, ~IRQ_BIT & 0xff		; slave: IRQ 10 only
	out PIC2_DATA, al
	ret

; wait_20ms: PIT channel 2, mode 0, until OUT rises.
wait_20ms:
	push ax
	mov al, 0xb0
	out PIT_CTRL, al
	mov al, COUNT_20MS & 0xff
	out PIT_CH2, al
	mov al, COUNT_20MS >> 8
	out PIT_CH2, al
.poll:
	in al, PORT_B
	test al, 0x20
	jz .poll
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

irq7:
	inc word [cs:spurious]
	iret

irq15:
	push ax
	inc word [cs:spurious]
	mov al, 0x20
	out PIC1_CMD, al
	pop ax
	iret

irq_unexpected:
	xor ax, ax
	mov ds, ax
	mov si, msg_unexpected
	call puts
	mov al, 2
	out EXIT_PORT, al
	cli
	hlt

; putc: AL to COM1 once its transmitter is empty.
putc:
	push ax
	push dx
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	pop dx
	pop ax
	ret

puts:
	push ax
	push si
.next:
	lodsb
	test al, al
	jz .done
	call putc
	jmp .next
.done:
	pop si
	pop ax
	ret

putdec:
	push ax
	push bx
	push cx
	push dx
	mov bx, 10
	xor cx, cx
.div:
	xor dx, dx
	div bx
	push dx
	inc cx
	test ax, ax
	jnz .div
.out:
	pop ax
	add al, '0'
	call putc
	loop .out
	pop dx
	pop cx
	pop bx
	pop ax
	ret

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
