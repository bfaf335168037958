; SPDX-License-Identifier: MIT
;
; irq_cli_hlt - "cli; hlt" ends the run (status 0) even while the timer
; keeps interrupting.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs both
; 8259s (bases 0x20/0x28, IRQ 0 open) and PIT channel 0 for 100 Hz,
; sleeps through 5 ticks in "sti; hlt", prints "irq_cli_hlt: 5 ticks,
; halting" on COM1 and halts with interrupts off, the PIT still running
; and IRQ 0 still open: nothing can wake the CPU, so modvmm must end the
; run with status 0.  (With KVM's in-kernel irqchip KVM keeps the HLT to
; itself; modvmm finds the halted vCPU with KVM_GET_MP_STATE.)  Should the
; CPU ever run past the HLT it writes 1 to the exit port (status 3).
;
;   modvmm build/guests/irq_cli_hlt.bin

bits 16
org 0

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
IRQ_BASE	equ 0x20
PIT_CH0		equ 0x40
PIT_CTRL	equ 0x43
PIT_100HZ	equ 11932
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4
TICKS		equ 5

	jmp main

; The interrupt vector table is at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov word [(IRQ_BASE + 0) * 4], irq0
	mov word [(IRQ_BASE + 0) * 4 + 2], 0
	mov al, 0x11			; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, IRQ_BASE		; ICW2
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 0x04			; ICW3
	out PIC1_DATA, al
	mov al, 0x02
	out PIC2_DATA, al
	mov al, 0x01			; ICW4: 8086 mode
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, 0xfe			; OCW1: IRQ 0 only
	out PIC1_DATA, al
	mov al, 0xff
	out PIC2_DATA, al
	mov al, 0x34			; PIT channel 0, mode 2, 100 Hz
	out PIT_CTRL, al
	mov ax, PIT_100HZ
	out PIT_CH0, al
	mov al, ah
	out PIT_CH0, al
.sleep:
	cli
	cmp word [ticks], TICKS
	jae .halt
	sti
	hlt
	jmp .sleep
.halt:
	mov si, msg_halting
	call puts
	cli
	hlt
	mov al, 1
	out EXIT_PORT, al
	jmp .halt

irq0:
	push ax
	inc word [cs:ticks]
	mov al, 0x20
	out PIC1_CMD, al
	pop ax
	iret

; puts: DS:SI to COM1 once its transmitter is empty.
puts:
	push ax
	push dx
	push si
.next:
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .done
	mov dx, COM1
	out dx, al
	jmp .next
.done:
	pop si
	pop dx
	pop ax
	ret

msg_halting	db "irq_cli_hlt: 5 ticks, halting", 10, 0

ticks		dw 0
