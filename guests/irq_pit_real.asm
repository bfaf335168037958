; SPDX-License-Identifier: MIT
;
; irq_pit_real - the PC timer interrupt in real mode, without firmware.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs both
; 8259s (ICW1-ICW4: edge, cascade on IR2, vector bases 0x20 and 0x28),
; opens IRQ 0 only, points IVT vector 0x20 at a handler that counts and
; sends EOI, programs PIT channel 0 for 100 Hz (mode 2, count 11932) and
; sleeps in "sti; hlt" until 100 ticks have come: one second.  Then it
; prints "irq_pit_real: 100 ticks, 0 spurious" on COM1 and exits through
; port 0xf4 with 0 (status 1).  Spurious IRQ 7 / IRQ 15 vectors are
; counted, any other vector of the 8259s fails the run (status 5).
; Works with either interrupt controller:
;
;   modvmm build/guests/irq_pit_real.bin

bits 16
org 0

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
IRQ_BASE	equ 0x20
PIT_CH0		equ 0x40
PIT_CTRL	equ 0x43
PIT_100HZ	equ 11932		; 1193182 Hz / 100
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4
TICKS		equ 100

	jmp main

; The interrupt vector table is at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	; every 8259 vector to "unexpected", then the ones we serve
	mov di, IRQ_BASE * 4
	mov cx, 16
.vec:
	mov word [di], irq_unexpected
	mov word [di + 2], 0
	add di, 4
	loop .vec
	mov word [(IRQ_BASE + 0) * 4], irq0
	mov word [(IRQ_BASE + 7) * 4], irq7
	mov word [(IRQ_BASE + 15) * 4], irq15
	call pic_init
	mov al, 0x34			; channel 0, LSB then MSB, mode 2
	out PIT_CTRL, al
	mov ax, PIT_100HZ
	out PIT_CH0, al
	mov al, ah
	out PIT_CH0, al
.sleep:
	; sti takes effect after hlt has begun: no wake-up is lost
	cli
	cmp word [ticks], TICKS
	jae .done
	sti
	hlt
	jmp .sleep
.done:
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
	mov al, 0
	out EXIT_PORT, al
	cli
	hlt

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 0 open.
pic_init:
	mov al, 0x11			; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, IRQ_BASE		; ICW2: vector base
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 0x04			; ICW3: slave on IR2
	out PIC1_DATA, al
	mov al, 0x02			; ICW3: slave ID 2
	out PIC2_DATA, al
	mov al, 0x01			; ICW4: 8086 mode, normal EOI
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, 0xfe			; OCW1: IRQ 0 only
	out PIC1_DATA, al
	mov al, 0xff
	out PIC2_DATA, al
	ret

irq0:
	push ax
	inc word [cs:ticks]
	mov al, 0x20			; non-specific EOI
	out PIC1_CMD, al
	pop ax
	iret

; A spurious IRQ 7 is not in service: no EOI.
irq7:
	inc word [cs:spurious]
	iret

; A spurious IRQ 15 leaves the master's IR2 in service.
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

; puts: the NUL-terminated string at DS:SI.
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

; putdec: AX in decimal.
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

msg_name	db "irq_pit_real: ", 0
msg_ticks	db " ticks, ", 0
msg_spurious	db " spurious", 10, 0
msg_unexpected	db "irq_pit_real: FAIL unexpected 8259 vector", 10, 0

ticks		dw 0
spurious	dw 0
