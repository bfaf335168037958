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

%include "pc16.inc"

IRQ_BASE	equ 0x20
TICKS		equ 5

	SKIP_IVT

main:
	REAL_SETUP
	mov word [(IRQ_BASE + 0) * 4], irq0
	mov word [(IRQ_BASE + 0) * 4 + 2], 0
	PIC_INIT IRQ_BASE, 0xfe, 0xff	; IRQ 0 only
	PIT_CH0_RATE PIT_100HZ		; PIT channel 0, mode 2, 100 Hz
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
