; SPDX-License-Identifier: MIT
; hello.asm - the default guest, in the manner of the classic "hello KVM"
; demo: a flat real-mode binary loaded at 0, CS:IP = 0:0, that prints
; through the 16550's THR at 0x3F8 and halts with interrupts off.
	bits 16
	org 0

start:
	mov dx, 0x3f8
	mov si, msg
.next:
	mov al, [cs:si]
	test al, al
	jz .done
	out dx, al
	inc si
	jmp .next
.done:
	cli
	hlt

msg:	db "Hello from modvmm!", 10, 0
