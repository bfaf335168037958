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

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
IRQ_BASE	equ 0x20
PIT_CH0		equ 0x40
PIT_CH2		equ 0x42
PIT_CTRL	equ 0x43
PORT_B		equ 0x61
PIT_100HZ	equ 11932
COUNT_50MS	equ 59659
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4
STUB_SIZE	equ 8

	jmp main

; The interrupt vector table is at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	xor di, di
	mov bx, stubs
	mov cx, 256
.vec:
	mov [di], bx
	mov word [di + 2], 0
	add di, 4
	add bx, STUB_SIZE
	loop .vec

	in al, PORT_B			; channel 2 gate on, speaker off
	and al, ~0x02 & 0xff
	or al, 0x01
	out PORT_B, al
	mov al, 0x34			; channel 0: mode 2, 100 Hz
	out PIT_CTRL, al
	mov ax, PIT_100HZ
	out PIT_CH0, al
	mov al, ah
	out PIT_CH0, al

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
	mov al, 0
	out EXIT_PORT, al
	cli
	hlt

; wait_50ms: PIT channel 2, mode 0, until OUT rises.
wait_50ms:
	mov al, 0xb0
	out PIT_CTRL, al
	mov al, COUNT_50MS & 0xff
	out PIT_CH2, al
	mov al, COUNT_50MS >> 8
	out PIT_CH2, al
.poll:
	in al, PORT_B
	test al, 0x20
	jz .poll
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

; puthex8: AL as two hex digits.
puthex8:
	push ax
	push cx
	mov cl, al
	shr al, 4
	call .nibble
	mov al, cl
	call .nibble
	pop cx
	pop ax
	ret
.nibble:
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	jmp putc

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
